// Functional outputs of tiled programs against naive double-precision references.
// Tolerances (u = 2^-24, the f32 unit roundoff; bf16 keeps 8 significant bits):
//  - f32 output:  |y - ref| <= 2 K u sum_k |a_k b_k|        (f32 accumulation bound)
//  - bf16 output: the above + 2^-8 |ref|                      (one final bf16 rounding)
//  - int8 x int8 -> int32: exact.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "devices/npu/tiling/attention.h"
#include "devices/npu/tiling/gemm_tiler.h"
#include "devices/npu/tiling/row_ops.h"
#include "kernels/cpu/half.h"
#include "nuri/error.hpp"
#include "simulator/npu/simulator.h"
#include "tests/simulator/npu/npu_test_util.h"

namespace nuri::npu {
namespace {

using sim::DType;
constexpr double kU = 1.0 / (1 << 24);

std::vector<float> random_bf16(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = kernels::bf16_to_f32(kernels::f32_to_bf16(d(g)));
  return v;
}

double gelu_ref(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

// Small scratchpads force many tiles, K steps and both loop orders; 2 cores split the work.
sim::NpuConfig small_cfg(sim::Dataflow df) {
  auto c = sim::testing::tiny_config(8, 8, df);
  c.cores = 2;
  c.dma.engines = 2;
  c.spm.size_bytes = 2 * 1024;
  c.acc.size_bytes = 2 * 1024;
  return c;
}

void check_bf16_gemm(sim::Dataflow df, DType out, Activation act, bool transpose_b) {
  const auto cfg = small_cfg(df);
  const uint32_t M = 37, N = 29, K = 45;
  GemmSpec s;
  s.m = M, s.n = N, s.k = K;
  s.out_dtype = out;
  s.a_addr = 0, s.b_addr = 1 << 16, s.c_addr = 2 << 16, s.bias_addr = 3 << 16;
  s.has_bias = true;
  s.act = act;
  s.transpose_b = transpose_b;
  auto a = random_bf16(M * K, 1), b = random_bf16(K * N, 2), bias = random_bf16(N, 3);
  sim::Simulator simu(cfg);
  simu.write_values(s.a_addr, a.data(), a.size(), DType::BF16);
  simu.write_values(s.b_addr, b.data(), b.size(), DType::BF16);  // [K,N] or [N,K] storage
  simu.write_values(s.bias_addr, bias.data(), N, DType::F32);
  GemmPlan plan = plan_gemm(cfg, s);
  EXPECT_LT(plan.tile_k, K) << "config should force several K steps";
  for (bool n_outer : {false, true}) {  // both loop orders give the same numbers
    plan.n_outer = n_outer;
    simu.run(emit_gemm(cfg, s, plan), "gemm");
    std::vector<float> y(M * N);
    simu.read_values(s.c_addr, y.data(), y.size(), out);
    for (uint32_t i = 0; i < M; ++i)
      for (uint32_t j = 0; j < N; ++j) {
        double ref = bias[j], mag = std::fabs(bias[j]);
        for (uint32_t k = 0; k < K; ++k) {
          double bv = transpose_b ? b[j * K + k] : b[k * N + j];
          ref += double(a[i * K + k]) * bv;
          mag += std::fabs(double(a[i * K + k]) * bv);
        }
        double tol = 2 * (K + 1) * kU * mag;
        if (act == Activation::Gelu) {
          ref = gelu_ref(ref);
          tol = tol * 1.2 + 4 * kU * std::fabs(ref);  // gelu' <= 1.13; f32 gelu rounding
        }
        if (out == DType::BF16) tol += std::ldexp(std::fabs(ref), -8);
        ASSERT_NEAR(y[i * N + j], ref, tol) << "at " << i << "," << j;
      }
  }
}

TEST(NpuFunctional, GemmBf16WeightStationary) {
  check_bf16_gemm(sim::Dataflow::WeightStationary, DType::BF16, Activation::None, false);
  check_bf16_gemm(sim::Dataflow::WeightStationary, DType::F32, Activation::None, false);
  check_bf16_gemm(sim::Dataflow::WeightStationary, DType::BF16, Activation::Gelu, true);
}

TEST(NpuFunctional, GemmBf16OutputStationary) {
  check_bf16_gemm(sim::Dataflow::OutputStationary, DType::F32, Activation::None, false);
  check_bf16_gemm(sim::Dataflow::OutputStationary, DType::BF16, Activation::Gelu, true);
}

TEST(NpuFunctional, GemmBf16InputStationary) {
  check_bf16_gemm(sim::Dataflow::InputStationary, DType::F32, Activation::None, false);
  check_bf16_gemm(sim::Dataflow::InputStationary, DType::BF16, Activation::Gelu, true);
}

// npu.tiling fixes the plan's tiles (clamped to the dimension), or names itself when they do
// not fit.
TEST(NpuFunctional, TilesFromConfigAreUsed) {
  auto cfg = small_cfg(sim::Dataflow::WeightStationary);
  cfg.tiling = {8, 8, 1000};  // spm 2 x (8x20 + 20x8 bf16 + 8x8 f32 + bias) = 1856 B
  GemmSpec s;
  s.m = 37, s.n = 29, s.k = 20;
  s.out_dtype = DType::F32;
  s.b_addr = 1 << 16, s.c_addr = 2 << 16;
  const GemmPlan plan = plan_gemm(cfg, s);
  EXPECT_EQ(plan.tile_m, 8u);
  EXPECT_EQ(plan.tile_n, 8u);
  EXPECT_EQ(plan.tile_k, 20u);  // clamped to K
  cfg.tiling = {64, 64, 64};    // 2 x (64x64 A + 64x64 B + ...) bf16 cannot fit 2 KiB
  try {
    plan_gemm(cfg, s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("npu.tiling"), std::string::npos) << e.what();
  }
}

TEST(NpuFunctional, GemmInt8IsExact) {
  for (auto df : {sim::Dataflow::WeightStationary, sim::Dataflow::OutputStationary,
                  sim::Dataflow::InputStationary})
    for (bool tb : {false, true}) {
      const auto cfg = small_cfg(df);
      const uint32_t M = 33, N = 21, K = 70;
      GemmSpec s;
      s.m = M, s.n = N, s.k = K;
      s.dtype = DType::I8;
      s.out_dtype = DType::I32;
      s.a_addr = 0, s.b_addr = 1 << 16, s.c_addr = 2 << 16, s.bias_addr = 3 << 16;
      s.has_bias = true;
      s.transpose_b = tb;
      std::mt19937 g(7);
      std::uniform_int_distribution<int> d(-128, 127);
      std::vector<int8_t> a(M * K), b(K * N);
      std::vector<int32_t> bias(N);
      for (auto& x : a) x = static_cast<int8_t>(d(g));
      for (auto& x : b) x = static_cast<int8_t>(d(g));
      for (auto& x : bias) x = d(g) * 1000;
      sim::Simulator simu(cfg);
      simu.write_dram(s.a_addr, a.data(), a.size());
      simu.write_dram(s.b_addr, b.data(), b.size());
      simu.write_dram(s.bias_addr, bias.data(), bias.size() * 4);
      simu.run(emit_gemm(cfg, s), "gemm_i8");
      std::vector<int32_t> y(M * N);
      simu.read_dram(s.c_addr, y.data(), y.size() * 4);
      for (uint32_t i = 0; i < M; ++i)
        for (uint32_t j = 0; j < N; ++j) {
          int32_t ref = bias[j];
          for (uint32_t k = 0; k < K; ++k) ref += a[i * K + k] * (tb ? b[j * K + k] : b[k * N + j]);
          ASSERT_EQ(y[i * N + j], ref) << i << "," << j << " tb=" << tb;
        }
    }
}

TEST(NpuFunctional, RowOpsMatchReference) {
  auto cfg = small_cfg(sim::Dataflow::WeightStationary);
  cfg.spm.size_bytes = 16 * 1024;
  const uint32_t R = 19, C = 40;
  auto x = random_bf16(R * C, 11, -3, 3), y = random_bf16(R * C, 12, -3, 3);
  auto gamma = random_bf16(C, 13, 0.5, 1.5), beta = random_bf16(C, 14);
  for (RowOp op :
       {RowOp::Softmax, RowOp::LayerNorm, RowOp::RmsNorm, RowOp::Gelu, RowOp::Add, RowOp::Mul}) {
    RowOpSpec s;
    s.op = op;
    s.rows = R, s.cols = C;
    s.x_addr = 0, s.y_addr = 1 << 14, s.out_addr = 2 << 14, s.gamma_addr = 3 << 14,
    s.beta_addr = 4 << 14;
    sim::Simulator simu(cfg);
    simu.write_values(s.x_addr, x.data(), x.size(), DType::BF16);
    simu.write_values(s.y_addr, y.data(), y.size(), DType::BF16);
    simu.write_values(s.gamma_addr, gamma.data(), C, DType::F32);
    simu.write_values(s.beta_addr, beta.data(), C, DType::F32);
    simu.run(emit_row_op(cfg, s), "rowop");
    std::vector<float> out(R * C);
    simu.read_values(s.out_addr, out.data(), out.size(), DType::BF16);
    for (uint32_t r = 0; r < R; ++r) {
      const float* xr = &x[r * C];
      double mx = -1e30, sum = 0, mean = 0, var = 0, ms = 0;
      for (uint32_t j = 0; j < C; ++j) mx = std::max(mx, double(xr[j]));
      for (uint32_t j = 0; j < C; ++j) sum += std::exp(xr[j] - mx), mean += xr[j] / double(C);
      for (uint32_t j = 0; j < C; ++j)
        var += (xr[j] - mean) * (xr[j] - mean) / C, ms += double(xr[j]) * xr[j] / C;
      for (uint32_t j = 0; j < C; ++j) {
        double ref = 0;
        switch (op) {
          case RowOp::Softmax:
            ref = std::exp(xr[j] - mx) / sum;
            break;
          case RowOp::LayerNorm:
            ref = (xr[j] - mean) / std::sqrt(var + 1e-5) * gamma[j] + beta[j];
            break;
          case RowOp::RmsNorm:
            ref = xr[j] / std::sqrt(ms + 1e-5) * gamma[j];
            break;
          case RowOp::Gelu:
            ref = gelu_ref(xr[j]);
            break;
          case RowOp::Add:
            ref = double(xr[j]) + y[r * C + j];
            break;
          case RowOp::Mul:
            ref = double(xr[j]) * y[r * C + j];
            break;
        }
        // bf16 output rounding + f32 intermediate error (a few hundred u over C terms).
        double tol = std::ldexp(std::fabs(ref), -8) + 1e-5 * (1 + std::fabs(ref));
        ASSERT_NEAR(out[r * C + j], ref, tol) << "op " << int(op) << " at " << r << "," << j;
      }
    }
  }
}

TEST(NpuFunctional, CausalAttentionMatchesReference) {
  auto cfg = sim::testing::tiny_config(8, 8);
  cfg.cores = 2;
  cfg.spm.size_bytes = 16 * 1024;  // forces blocks of query rows
  cfg.acc.size_bytes = 4 * 1024;
  AttentionSpec s;
  s.seq = 24, s.heads = 3, s.head_dim = 8;
  s.causal = true;
  const uint32_t W = s.heads * s.head_dim, S = s.seq, D = s.head_dim;
  s.q_addr = 0, s.k_addr = 1 << 14, s.v_addr = 2 << 14, s.out_addr = 3 << 14;
  auto q = random_bf16(S * W, 21, -2, 2), k = random_bf16(S * W, 22, -2, 2),
       v = random_bf16(S * W, 23);
  sim::Simulator simu(cfg);
  simu.write_values(s.q_addr, q.data(), q.size(), DType::BF16);
  simu.write_values(s.k_addr, k.data(), k.size(), DType::BF16);
  simu.write_values(s.v_addr, v.data(), v.size(), DType::BF16);
  simu.run(emit_attention(cfg, s), "attention");
  std::vector<float> o(S * W);
  simu.read_values(s.out_addr, o.data(), o.size(), DType::BF16);
  const double scale = 1 / std::sqrt(double(D));
  for (uint32_t h = 0; h < s.heads; ++h)
    for (uint32_t i = 0; i < S; ++i) {
      std::vector<double> p(S, 0);
      double mx = -1e30, sum = 0;
      for (uint32_t j = 0; j <= i; ++j) {
        for (uint32_t d = 0; d < D; ++d)
          p[j] += double(q[i * W + h * D + d]) * k[j * W + h * D + d];
        p[j] *= scale;
        mx = std::max(mx, p[j]);
      }
      for (uint32_t j = 0; j <= i; ++j) sum += (p[j] = std::exp(p[j] - mx));
      for (uint32_t d = 0; d < D; ++d) {
        double ref = 0, vmax = 0;
        for (uint32_t j = 0; j <= i; ++j) {
          ref += p[j] / sum * v[j * W + h * D + d];
          vmax = std::max(vmax, std::fabs(double(v[j * W + h * D + d])));
        }
        // P is rounded to bf16 before P V (as the NPU does): <= 2^-8 sum p |v| <= 2^-8 vmax.
        double tol = std::ldexp(std::fabs(ref), -8) + std::ldexp(vmax, -8) + 1e-5;
        ASSERT_NEAR(o[i * W + h * D + d], ref, tol) << "h" << h << " i" << i << " d" << d;
      }
    }
}

TEST(NpuFunctional, TimingOnlyGivesSameCycles) {
  const auto cfg = small_cfg(sim::Dataflow::WeightStationary);
  GemmSpec s;
  s.m = 40, s.n = 40, s.k = 40;
  s.b_addr = 1 << 16, s.c_addr = 2 << 16;
  auto progs = emit_gemm(cfg, s);
  sim::Simulator f(cfg), t(cfg, {.functional = false});
  EXPECT_EQ(f.run(progs).cycles(), t.run(progs).cycles());
  EXPECT_THROW(t.write_dram(0, "x", 1), Error);
}

}  // namespace
}  // namespace nuri::npu
