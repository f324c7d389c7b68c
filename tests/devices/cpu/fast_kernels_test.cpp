// kernels/cpu_fast against the reference kernels (kernels/cpu), on every ISA variant this CPU
// runs. Tolerances (f32): row ops and activations within 1e-5 relative plus a few 1e-6
// absolute (different summation order, polynomial exp/erf); arithmetic and bf16 rounding exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/half.h"
#include "kernels/cpu/normalize.h"
#include "kernels/cpu_fast/fast_attention.h"
#include "kernels/cpu_fast/fast_ops.h"
#include "kernels/cpu_fast/isa.h"
#include "tests/devices/cpu/test_util.h"

namespace nuri::cpu::fast {
namespace {

using test::all_close;
using test::random_floats;

class FastKernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!set_isa(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_name(GetParam());
  }
  void TearDown() override { set_isa(detected_isa()); }
};

TEST_P(FastKernels, SoftmaxMatchesReference) {
  for (int64_t cols : {1, 7, 16, 33, 768}) {
    const int64_t rows = 5;
    const auto x = random_floats(rows * cols, 10 + cols, -8.0f, 8.0f);
    std::vector<float> got(x.size()), want(x.size());
    softmax_rows(x.data(), got.data(), rows, cols);
    kernels::softmax(x.data(), want.data(), rows, cols, 1);
    EXPECT_TRUE(all_close(got.data(), want.data(), rows * cols, 1e-7, 1e-5)) << "cols " << cols;
  }
}

TEST_P(FastKernels, NormsMatchReference) {
  for (int64_t cols : {3, 64, 100, 768}) {
    const int64_t rows = 4;
    const auto x = random_floats(rows * cols, 20 + cols, -4.0f, 4.0f);
    const auto g = random_floats(cols, 30 + cols, 0.5f, 1.5f);
    const auto b = random_floats(cols, 40 + cols);
    std::vector<float> got(x.size()), want(x.size());
    layer_norm_rows(x.data(), g.data(), b.data(), got.data(), rows, cols, 1e-5f);
    kernels::layer_norm(x.data(), g.data(), b.data(), want.data(), rows, cols, 1e-5f);
    EXPECT_TRUE(all_close(got.data(), want.data(), rows * cols, 2e-6, 1e-5)) << "ln " << cols;
    layer_norm_rows(x.data(), g.data(), nullptr, got.data(), rows, cols, 1e-5f);
    kernels::layer_norm(x.data(), g.data(), nullptr, want.data(), rows, cols, 1e-5f);
    EXPECT_TRUE(all_close(got.data(), want.data(), rows * cols, 2e-6, 1e-5)) << "ln/nb " << cols;
    rms_norm_rows(x.data(), g.data(), got.data(), rows, cols, 1e-6f);
    kernels::rms_norm(x.data(), g.data(), want.data(), rows, cols, 1e-6f);
    EXPECT_TRUE(all_close(got.data(), want.data(), rows * cols, 2e-6, 1e-5)) << "rms " << cols;
  }
}

TEST_P(FastKernels, ActivationsMatchReference) {
  auto x = random_floats(1000, 5, -8.0f, 8.0f);
  for (float edge : {0.0f, -0.0f, 1e-6f, -1e-6f, 30.0f, -30.0f, 100.0f, -100.0f}) x.push_back(edge);
  const std::pair<Activation, kernels::UnaryOp> cases[] = {
      {Activation::Relu, kernels::UnaryOp::Relu},
      {Activation::GeluTanh, kernels::UnaryOp::GeluTanh},
      {Activation::GeluErf, kernels::UnaryOp::GeluErf},
      {Activation::Silu, kernels::UnaryOp::Silu},
      {Activation::Sigmoid, kernels::UnaryOp::Sigmoid},
      {Activation::Tanh, kernels::UnaryOp::Tanh}};
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> got(x.size()), want(x.size());
  for (const auto& [fast_op, ref_op] : cases) {
    activation(fast_op, x.data(), got.data(), n);
    kernels::unary(ref_op, x.data(), want.data(), n);
    EXPECT_TRUE(all_close(got.data(), want.data(), n, 1e-6, 1e-5))
        << "activation " << static_cast<int>(fast_op);
  }
  // exp on the range where it neither overflows nor underflows: relative error only.
  const auto e = random_floats(999, 6, -80.0f, 80.0f);
  std::vector<float> ge(e.size()), we(e.size());
  activation(Activation::Exp, e.data(), ge.data(), 999);
  kernels::unary(kernels::UnaryOp::Exp, e.data(), we.data(), 999);
  EXPECT_TRUE(all_close(ge.data(), we.data(), 999, 0.0, 1e-6));
}

namespace pieces {
#include "kernels/cpu_fast/impl/gelu_pieces.inc"
}

// GELU (erf) on a dense grid against erfc in double, within the kernels' stated bound: |x| times
// the error of Phi(-|x|) plus a few float roundings. Phi(-|x|) comes from the fitted pieces on
// AVX-512 (their measured error) and from Abramowitz & Stegun 7.1.26 elsewhere (0.75e-7 for
// Phi, plus a dozen roundings of values below 1: 4.4e-7).
TEST_P(FastKernels, GeluErfWithinItsErrorBound) {
  const double phi_error = GetParam() == Isa::Avx512 ? pieces::kPhiNegMaxError : 4.4e-7;
  std::vector<float> x;
  for (int i = -12000; i <= 12000; ++i) x.push_back(static_cast<float>(i) * 1e-3f);
  for (float edge : {1e-30f, -1e-30f, 1e4f, -1e4f, std::numeric_limits<float>::infinity()})
    x.push_back(edge);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> got(x.size());
  activation(Activation::GeluErf, x.data(), got.data(), n);
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double xi = x[i], want = 0.5 * xi * std::erfc(-xi / std::sqrt(2.0));
    if (std::isinf(xi)) {
      EXPECT_EQ(got[i], x[i]);
      continue;
    }
    const double bound = phi_error * std::fabs(xi) + 4.0 * 0x1p-24 * std::fabs(want) + 1e-37;
    worst = std::max(worst, std::fabs(got[i] - want) / bound);
  }
  EXPECT_LE(worst, 1.0) << "worst error as a fraction of the bound";
}

// Non-temporal stores write the very values cached stores do, for any output alignment and
// length (partial lines at both ends, rows longer than softmax's 4096-float row buffer).
TEST_P(FastKernels, StreamedOutputsEqualCachedOnes) {
  for (int64_t cols : {1, 19, 768, 1500, 5000}) {
    const int64_t rows = 3, n = rows * cols;
    const auto x = random_floats(n, 50 + cols, -4.0f, 4.0f);
    const auto g = random_floats(cols, 51 + cols, 0.5f, 1.5f);
    const auto b = random_floats(cols, 52 + cols);
    std::vector<float> cached(n), buf(n + 1);
    for (size_t offset : {0, 1}) {  // the output 64-byte aligned or not (by one float)
      float* out = buf.data() + offset;
      softmax_rows(x.data(), cached.data(), rows, cols);
      softmax_rows(x.data(), out, rows, cols, true);
      EXPECT_TRUE(std::equal(cached.begin(), cached.end(), out)) << "softmax " << cols;
      layer_norm_rows(x.data(), g.data(), b.data(), cached.data(), rows, cols, 1e-5f);
      layer_norm_rows(x.data(), g.data(), b.data(), out, rows, cols, 1e-5f, true);
      EXPECT_TRUE(std::equal(cached.begin(), cached.end(), out)) << "ln " << cols;
      rms_norm_rows(x.data(), g.data(), cached.data(), rows, cols, 1e-6f);
      rms_norm_rows(x.data(), g.data(), out, rows, cols, 1e-6f, true);
      EXPECT_TRUE(std::equal(cached.begin(), cached.end(), out)) << "rms " << cols;
      for (Activation a : {Activation::GeluTanh, Activation::GeluErf, Activation::Relu}) {
        activation(a, x.data(), cached.data(), n);
        activation(a, x.data(), out, n, true);
        EXPECT_TRUE(std::equal(cached.begin(), cached.end(), out))
            << "activation " << static_cast<int>(a) << " " << cols;
      }
      stream_copy_f32(x.data(), out, n);
      EXPECT_TRUE(std::equal(x.begin(), x.end(), out)) << "copy " << cols;
    }
  }
}

TEST(FastKernelsProbe, FmaRateIsPositiveAndBelowTheClockBound) {
  // One core cannot exceed 2 FMA pipes x 16 lanes x 2 flops at 6 GHz.
  const double flops = measure_f32_flops_per_core();
  EXPECT_GT(flops, 0.0);
  EXPECT_LT(flops, 2 * 16 * 2 * 6e9);
}

TEST_P(FastKernels, BinaryIsExact) {
  const int64_t rows = 3, cols = 37;
  const auto a = random_floats(rows * cols, 7);
  const auto b = random_floats(rows * cols, 8, 0.5f, 2.0f);
  std::vector<float> got(a.size());
  binary_rows(Binary::Add, a.data(), b.data(), cols, got.data(), rows, cols);
  for (int64_t i = 0; i < rows * cols; ++i) ASSERT_EQ(got[i], a[i] + b[i]);
  binary_rows(Binary::Div, a.data(), b.data(), 0, got.data(), rows, cols);  // b row broadcast
  for (int64_t i = 0; i < rows * cols; ++i) ASSERT_EQ(got[i], a[i] / b[i % cols]);
  binary_scalar(Binary::Sub, a.data(), 0.25f, got.data(), rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) ASSERT_EQ(got[i], a[i] - 0.25f);
  binary_rows(Binary::Mul, a.data(), b.data(), cols, got.data(), rows, cols);
  for (int64_t i = 0; i < rows * cols; ++i) ASSERT_EQ(got[i], a[i] * b[i]);
}

TEST_P(FastKernels, Bf16RoundingMatchesReference) {
  auto x = random_floats(99, 9, -1e3f, 1e3f);
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  x.push_back(std::numeric_limits<float>::infinity());
  x.push_back(1.00390625f);  // exactly halfway between two bf16 values: ties to even
  std::vector<uint16_t> got(x.size()), want(x.size());
  f32_to_bf16(x.data(), got.data(), static_cast<int64_t>(x.size()));
  kernels::f32_to_bf16(x.data(), want.data(), x.size());
  for (size_t i = 0; i + 3 < x.size(); ++i) ASSERT_EQ(got[i], want[i]) << i;
  EXPECT_TRUE(std::isnan(kernels::bf16_to_f32(got[x.size() - 3])));
  EXPECT_EQ(got[x.size() - 2], want[x.size() - 2]);
  EXPECT_EQ(got[x.size() - 1], want[x.size() - 1]);
}

struct AttnCase {
  int64_t b, hq, hkv, s, t, d, dv;
  bool causal;
};

// Runs the fast kernel on contiguous [B, H, S, D] tensors, all tasks on one scratch.
std::vector<float> run_fast(const AttnCase& c, const std::vector<float>& q,
                            const std::vector<float>& k, const std::vector<float>& v) {
  AttentionArgs a;
  a.batch = c.b;
  a.q_heads = c.hq;
  a.kv_heads = c.hkv;
  a.q_len = c.s;
  a.kv_len = c.t;
  a.head_dim = c.d;
  a.v_head_dim = c.dv;
  a.causal = c.causal;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  std::vector<float> out(c.b * c.hq * c.s * c.dv, -7.0f);
  a.q = q.data();
  a.q_stride = {c.hq * c.s * c.d, c.s * c.d, c.d};
  a.k = k.data();
  a.k_stride = {c.hkv * c.t * c.d, c.t * c.d, c.d};
  a.v = v.data();
  a.v_stride = {c.hkv * c.t * c.dv, c.t * c.dv, c.dv};
  a.out = out.data();
  a.out_stride = {c.hq * c.s * c.dv, c.s * c.dv, c.dv};
  std::vector<float> scratch(attention_scratch_floats(a));
  for (int64_t i = 0; i < attention_tasks(a); ++i) attention_task(a, i, scratch.data());
  return out;
}

TEST_P(FastKernels, AttentionMatchesReference) {
  const AttnCase cases[] = {
      {1, 12, 12, 128, 128, 64, 64, true},
      {2, 4, 2, 100, 100, 64, 64, true},
      {1, 2, 2, 5, 37, 13, 5, true},
      {1, 3, 1, 9, 20, 32, 48, false},
      {1, 2, 2, 70, 70, 16, 80, false},
      {1, 1, 1, 1, 513, 64, 64, true},
      {1, 2, 2, 6, 4, 8, 8, true},  // more queries than keys: the first rows see nothing
      // A few query rows take the direct (decode) path: GQA, head dims with vector tails, fewer
      // keys than a vector, and a row that sees no key.
      {2, 4, 2, 2, 37, 13, 5, true},
      {1, 3, 1, 1, 3, 32, 80, false},
      {1, 2, 2, 2, 1, 8, 8, true},
  };
  for (const AttnCase& c : cases) {
    const auto q = random_floats(c.b * c.hq * c.s * c.d, 1, -2.0f, 2.0f);
    const auto k = random_floats(c.b * c.hkv * c.t * c.d, 2, -2.0f, 2.0f);
    const auto v = random_floats(c.b * c.hkv * c.t * c.dv, 3);
    const auto got = run_fast(c, q, k, v);
    kernels::AttentionDims d{
        c.b, c.hq, c.hkv, c.s, c.t, c.d, c.dv, c.causal, 1.0f / std::sqrt(static_cast<float>(c.d))};
    std::vector<float> want(got.size());
    kernels::attention(d, q.data(), k.data(), v.data(), {}, want.data());
    EXPECT_TRUE(all_close(got.data(), want.data(), static_cast<int64_t>(got.size()), 2e-6, 1e-5))
        << "case b" << c.b << " h" << c.hq << "/" << c.hkv << " s" << c.s << " t" << c.t << " d"
        << c.d << "/" << c.dv << (c.causal ? " causal" : "");
  }
}

// q, k, v read in place from a packed [B, S, 3, H, D] buffer; output written as [B, S, H, D].
TEST_P(FastKernels, AttentionOnStridedViews) {
  const int64_t b = 2, s = 40, h = 3, d = 32;
  const auto qkv = random_floats(b * s * 3 * h * d, 11, -2.0f, 2.0f);
  std::vector<float> q(b * h * s * d), k(q.size()), v(q.size());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t si = 0; si < s; ++si)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t di = 0; di < d; ++di) {
          const int64_t src = (((bi * s + si) * 3) * h + hi) * d + di;
          const int64_t dst = ((bi * h + hi) * s + si) * d + di;
          q[dst] = qkv[src];
          k[dst] = qkv[src + h * d];
          v[dst] = qkv[src + 2 * h * d];
        }
  const auto want = run_fast({b, h, h, s, s, d, d, true}, q, k, v);  // [B, H, S, D]
  AttentionArgs a;
  a.batch = b;
  a.q_heads = a.kv_heads = h;
  a.q_len = a.kv_len = s;
  a.head_dim = a.v_head_dim = d;
  a.causal = true;
  a.scale = 1.0f / std::sqrt(static_cast<float>(d));
  const View4 in_stride{s * 3 * h * d, d, 3 * h * d};
  a.q = qkv.data();
  a.k = qkv.data() + h * d;
  a.v = qkv.data() + 2 * h * d;
  a.q_stride = a.k_stride = a.v_stride = in_stride;
  std::vector<float> out(b * s * h * d);
  a.out = out.data();
  a.out_stride = {s * h * d, d, h * d};
  std::vector<float> scratch(attention_scratch_floats(a));
  for (int64_t i = attention_tasks(a) - 1; i >= 0; --i) attention_task(a, i, scratch.data());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t si = 0; si < s; ++si)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t di = 0; di < d; ++di)
          ASSERT_EQ(out[((bi * s + si) * h + hi) * d + di],
                    want[((bi * h + hi) * s + si) * d + di]);
}

INSTANTIATE_TEST_SUITE_P(Isas, FastKernels, ::testing::Values(Isa::Generic, Isa::Avx2, Isa::Avx512),
                         [](const ::testing::TestParamInfo<Isa>& p) {
                           return std::string(isa_name(p.param));
                         });

}  // namespace
}  // namespace nuri::cpu::fast
