// The panel GEMV kernels (kernels/cpu_fast/fast_gemv.h) on every ISA variant this CPU has, and
// the cpu program's few-row matmuls on them (f32 and int8 weight-only), against references in
// double precision.
#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "kernels/cpu_fast/fast_gemv.h"
#include "kernels/cpu_fast/isa.h"
#include "tests/devices/cpu/program_test_util.h"

namespace nuri::cpu::test {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using ir::ValueId;

// Restores the detected ISA variant after a test that selected another.
struct IsaGuard {
  ~IsaGuard() { fast::set_isa(fast::detected_isa()); }
};

std::vector<fast::Isa> supported_isas() {
  std::vector<fast::Isa> v;
  for (fast::Isa isa : {fast::Isa::Generic, fast::Isa::Avx2, fast::Isa::Avx512})
    if (fast::set_isa(isa)) v.push_back(isa);
  fast::set_isa(fast::detected_isa());
  return v;
}

// y[r, j] = sum_k x[r, k] * w(k, j) in double, and sum_k |x[r, k] * w(k, j)| (the scale of
// f32 rounding), for w given as a function.
template <typename Weight>
void reference(const std::vector<float>& x, int64_t rows, int64_t k, int64_t n, Weight w,
               std::vector<double>& y, std::vector<double>& magnitude) {
  y.assign(rows * n, 0.0);
  magnitude.assign(rows * n, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i) {
        const double p = static_cast<double>(x[r * k + i]) * w(i, j);
        y[r * n + j] += p;
        magnitude[r * n + j] += std::fabs(p);
      }
}

// f32 accumulation of K products: each partial sum rounds once, so the error stays below
// K * 2^-24 * sum |x w| (a loose but safe bound; typically far below).
double f32_bound(int64_t k, double magnitude) {
  return static_cast<double>(k) * std::ldexp(1.0, -24) * magnitude + 1e-30;
}

// K = 77 (odd: the unrolled loop's tail) and N = 150 (a partial last panel), 3 rows, W read
// transposed (Gemm transB strides) and scaled by alpha at packing.
constexpr int64_t kRows = 3, kK = 77, kN = 150;
constexpr float kAlpha = 0.5f;

// kRows x kK activations into kRows x kN outputs (weights set by the caller).
fast::GemvArgs args(const std::vector<float>& x, std::vector<float>& y) {
  return {.x = x.data(),
          .rows = kRows,
          .x_stride = kK,
          .k = kK,
          .n = kN,
          .y = y.data(),
          .y_stride = kN};
}

TEST(Gemv, F32MatchesReferenceOnEveryIsa) {
  IsaGuard guard;
  const auto x = random_floats(kRows * kK, 1);
  const auto wt = random_floats(kN * kK, 2);  // W^T: [N, K]
  std::vector<float> packed(fast::gemv_packed_elements(kK, kN));
  fast::pack_gemv_f32(wt.data(), kK, kN, 1, kK, kAlpha, packed.data());
  std::vector<double> want, mag;
  reference(
      x, kRows, kK, kN, [&](int64_t i, int64_t j) { return kAlpha * wt[j * kK + i]; }, want, mag);
  for (fast::Isa isa : supported_isas()) {
    ASSERT_TRUE(fast::set_isa(isa));
    std::vector<float> y(kRows * kN, -1.0f);
    fast::GemvArgs a = args(x, y);
    a.w_f32 = packed.data();
    // Two calls over disjoint panel ranges, as threads split them.
    fast::gemv(a, 0, 1);
    fast::gemv(a, 1, fast::gemv_panels(kN));
    for (int64_t i = 0; i < kRows * kN; ++i)
      ASSERT_LE(std::fabs(y[i] - want[i]), f32_bound(kK, mag[i]))
          << fast::isa_name(isa) << " element " << i;
  }
}

TEST(Gemv, Int8MatchesDequantizedWeightsTightlyAndF32WithinTheQuantizationStep) {
  IsaGuard guard;
  const auto x = random_floats(kRows * kK, 3);
  const auto w = random_floats(kK * kN, 4);  // [K, N] row-major
  std::vector<int8_t> q(fast::gemv_packed_elements(kK, kN));
  std::vector<float> scales(kN);
  fast::pack_gemv_s8(w.data(), kK, kN, kN, 1, kAlpha, q.data(), scales.data());
  // Per-column scale = max |alpha w| / 127, and every quantized weight within [-127, 127].
  for (int64_t j = 0; j < kN; ++j) {
    float m = 0.0f;
    for (int64_t i = 0; i < kK; ++i) m = std::max(m, std::fabs(kAlpha * w[i * kN + j]));
    ASSERT_FLOAT_EQ(scales[j], m / 127.0f) << "column " << j;
  }
  const auto q_at = [&](int64_t i, int64_t j) {
    return static_cast<double>(q[(j / fast::kGemvPanel) * kK * fast::kGemvPanel +
                                 i * fast::kGemvPanel + j % fast::kGemvPanel]);
  };
  std::vector<double> want_dq, mag_dq, want_f32, mag_f32;
  reference(
      x, kRows, kK, kN, [&](int64_t i, int64_t j) { return q_at(i, j) * scales[j]; }, want_dq,
      mag_dq);
  reference(
      x, kRows, kK, kN, [&](int64_t i, int64_t j) { return kAlpha * w[i * kN + j]; }, want_f32,
      mag_f32);
  for (fast::Isa isa : supported_isas()) {
    ASSERT_TRUE(fast::set_isa(isa));
    std::vector<float> y(kRows * kN, -1.0f);
    fast::GemvArgs a = args(x, y);
    a.w_s8 = q.data();
    a.scales = scales.data();
    fast::gemv(a, 0, fast::gemv_panels(kN));
    for (int64_t r = 0; r < kRows; ++r)
      for (int64_t j = 0; j < kN; ++j) {
        const int64_t i = r * kN + j;
        // Against the dequantized weights: f32 rounding only (the scale applies once, after
        // the sum: one more rounding).
        ASSERT_LE(std::fabs(y[i] - want_dq[i]), f32_bound(kK + 1, mag_dq[i]))
            << fast::isa_name(isa) << " element " << i;
        // Against the f32 weights: each weight moves by at most half a step (scale / 2), so
        // |y - y_f32| <= scale_j / 2 * sum_k |x[r, k]| (plus rounding).
        double x_abs = 0.0;
        for (int64_t kk = 0; kk < kK; ++kk) x_abs += std::fabs(x[r * kK + kk]);
        const double bound = scales[j] / 2 * x_abs + f32_bound(kK + 1, mag_f32[i]);
        ASSERT_LE(std::fabs(y[i] - want_f32[i]), bound) << fast::isa_name(isa) << " element " << i;
      }
  }
}

// One decode-step matmul with its bias, Gelu and residual folded in: [1, K] x [K, N].
ir::Graph decode_matmul(int64_t k, int64_t n) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {1, k});
  const ValueId r = b.input("residual", DType::F32, {1, n});
  const ValueId y = b.add_(b.matmul(x, b.constant("w", random_tensor({k, n}, 5))),
                           b.constant("bias", random_tensor({n}, 6)));
  const ValueId g = b.add1(OpKind::Gelu, {y}, {}, "gelu");
  b.output(b.add_(g, r));
  return b.build();
}

TEST(Gemv, ProgramRunsFewRowMatmulsOnTheGemvWithPostOps) {
  const ir::Graph g = decode_matmul(300, 200);
  const std::vector<Tensor> in{random_tensor({1, 300}, 7), random_tensor({1, 200}, 8)};
  const std::string d = expect_matches_ref(g, in, {1e-4, 1e-5});
  EXPECT_NE(d.find("[gemv]"), std::string::npos) << d;
  EXPECT_NE(d.find("+gelu"), std::string::npos) << d;
}

TEST(Gemv, ProgramInt8WeightsWithinTheQuantizationBound) {
  const int64_t k = 300, n = 200;
  const ir::Graph g = decode_matmul(k, n);
  const std::vector<Tensor> in{random_tensor({1, k}, 7), random_tensor({1, n}, 8)};
  CpuProgram p(g, {.int8_weights = true});
  EXPECT_TRUE(describes(p, "gemv, int8 weights")) << description(p);
  const auto got = p.run(in);
  const auto want = ref::RefProgram(g).run(in);
  // Weights in [-1, 1]: scale <= 1/127, so the product moves by at most sum|x| / 254 (~0.6
  // here for |x| ~ 0.5); Gelu's slope stays within [-0.13, 1.13] and the residual adds none.
  double x_abs = 0.0;
  for (int64_t i = 0; i < k; ++i) x_abs += std::fabs(in[0].data_as<float>()[i]);
  const double bound = 1.13 * x_abs / 254 + 1e-4;
  double worst = 0.0;
  for (int64_t j = 0; j < n; ++j)
    worst = std::max(worst,
                     std::fabs(double(got[0].data_as<float>()[j]) - want[0].data_as<float>()[j]));
  EXPECT_LE(worst, bound);
  EXPECT_GT(worst, 1e-6);  // really computed on int8 weights
}

TEST(Gemv, ManyRowsStayOnOnednn) {
  GraphBuilder b;
  b.output(
      b.matmul(b.input("x", DType::F32, {8, 64}), b.constant("w", random_tensor({64, 32}, 9))));
  CpuProgram p(b.build(), {.int8_weights = true});
  EXPECT_FALSE(describes(p, "gemv")) << description(p);
}

}  // namespace
}  // namespace nuri::cpu::test
