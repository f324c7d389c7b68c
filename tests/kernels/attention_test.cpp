// Fused attention against a naive formulation: explicit scores matrix in double, a plain
// softmax per row, then the weighted sum of values.
#include "kernels/cpu/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

const float kNegInf = -std::numeric_limits<float>::infinity();

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

size_t q_size(const AttentionDims& d) {
  return d.batch * d.q_heads * d.q_len * d.head_dim;
}
size_t k_size(const AttentionDims& d) {
  return d.batch * d.kv_heads * d.kv_len * d.head_dim;
}
size_t v_size(const AttentionDims& d) {
  return d.batch * d.kv_heads * d.kv_len * d.v_head_dim;
}
size_t o_size(const AttentionDims& d) {
  return d.batch * d.q_heads * d.q_len * d.v_head_dim;
}

// allowed(b, h, i, j) decides masking; bias(b, h, i, j) is added to the score.
template <typename Allowed, typename Bias>
std::vector<double> naive(const AttentionDims& d, const std::vector<float>& q,
                          const std::vector<float>& k, const std::vector<float>& v, Allowed allowed,
                          Bias bias) {
  const int64_t S = d.q_len, T = d.kv_len, D = d.head_dim, Dv = d.v_head_dim;
  std::vector<double> out(o_size(d), 0.0);
  for (int64_t b = 0; b < d.batch; ++b)
    for (int64_t h = 0; h < d.q_heads; ++h) {
      const int64_t kvh = h * d.kv_heads / d.q_heads;
      // Scores matrix [S, T]; masked entries are -inf.
      std::vector<double> scores(S * T);
      for (int64_t i = 0; i < S; ++i)
        for (int64_t j = 0; j < T; ++j) {
          const bool causal_ok = !d.causal || j <= T - S + i;
          if (!causal_ok || !allowed(b, h, i, j)) {
            scores[i * T + j] = -INFINITY;
            continue;
          }
          double dot = 0;
          for (int64_t x = 0; x < D; ++x)
            dot += static_cast<double>(q[((b * d.q_heads + h) * S + i) * D + x]) *
                   k[((b * d.kv_heads + kvh) * T + j) * D + x];
          scores[i * T + j] = dot * d.scale + bias(b, h, i, j);
        }
      for (int64_t i = 0; i < S; ++i) {
        double mx = -INFINITY;
        for (int64_t j = 0; j < T; ++j) mx = std::max(mx, scores[i * T + j]);
        if (mx == -INFINITY) continue;  // fully masked: stays zero
        double sum = 0;
        std::vector<double> p(T);
        for (int64_t j = 0; j < T; ++j) sum += p[j] = std::exp(scores[i * T + j] - mx);
        for (int64_t j = 0; j < T; ++j)
          for (int64_t x = 0; x < Dv; ++x)
            out[((b * d.q_heads + h) * S + i) * Dv + x] +=
                p[j] / sum * v[((b * d.kv_heads + kvh) * T + j) * Dv + x];
      }
    }
  return out;
}

std::vector<double> naive_plain(const AttentionDims& d, const std::vector<float>& q,
                                const std::vector<float>& k, const std::vector<float>& v) {
  return naive(
      d, q, k, v, [](auto...) { return true; }, [](auto...) { return 0.0; });
}

void expect_near_all(const std::vector<float>& got, const std::vector<double>& want,
                     double tol = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "at " << i;
}

struct Case {
  AttentionDims d;
  std::vector<float> q, k, v, out;
  explicit Case(AttentionDims dims, uint32_t seed = 1) : d(dims) {
    q = random_vec(q_size(d), seed);
    k = random_vec(k_size(d), seed + 1);
    v = random_vec(v_size(d), seed + 2);
    out.assign(o_size(d), std::numeric_limits<float>::quiet_NaN());
  }
  void run(const AttentionMask& m = {}) {
    attention(d, q.data(), k.data(), v.data(), m, out.data());
  }
};

AttentionDims dims(int64_t b, int64_t hq, int64_t hkv, int64_t s, int64_t t, int64_t dk, int64_t dv,
                   bool causal) {
  AttentionDims d;
  d.batch = b;
  d.q_heads = hq;
  d.kv_heads = hkv;
  d.q_len = s;
  d.kv_len = t;
  d.head_dim = dk;
  d.v_head_dim = dv;
  d.causal = causal;
  d.scale = 1.0f / std::sqrt(static_cast<float>(dk));
  return d;
}

TEST(Attention, HandValue) {
  // One query, two keys: scores 0 and ln 3 -> weights 1/4, 3/4 -> 0.25*4 + 0.75*8 = 7.
  Case c(dims(1, 1, 1, 1, 2, 1, 1, false));
  c.d.scale = 1.0f;
  c.q = {1.0f};
  c.k = {0.0f, std::log(3.0f)};
  c.v = {4.0f, 8.0f};
  c.run();
  EXPECT_NEAR(c.out[0], 7.0f, 1e-6);
}

TEST(Attention, MultiHeadMatchesNaive) {
  Case c(dims(2, 3, 3, 5, 7, 8, 6, false));
  c.run();
  expect_near_all(c.out, naive_plain(c.d, c.q, c.k, c.v));
}

TEST(Attention, CausalMatchesNaive) {
  Case c(dims(1, 2, 2, 6, 6, 4, 4, true), 7);
  c.run();
  expect_near_all(c.out, naive_plain(c.d, c.q, c.k, c.v));
  // Row 0 sees only key 0: output is exactly v[0].
  for (int64_t x = 0; x < 4; ++x) EXPECT_NEAR(c.out[x], c.v[x], 1e-6);
}

TEST(Attention, CausalWithPastOffset) {
  // 3 new queries after 4 cached positions: query i sees keys 0 .. 4 + i.
  Case c(dims(2, 2, 2, 3, 7, 5, 3, true), 11);
  c.run();
  expect_near_all(c.out, naive_plain(c.d, c.q, c.k, c.v));
  // The last query sees every key, so it equals non-causal attention for that row.
  Case full = c;
  full.d.causal = false;
  full.run();
  for (int64_t bh = 0; bh < 4; ++bh)
    for (int64_t x = 0; x < 3; ++x)
      EXPECT_EQ(c.out[(bh * 3 + 2) * 3 + x], full.out[(bh * 3 + 2) * 3 + x]);
}

TEST(Attention, GroupedQueryEqualsRepeatedKvHeads) {
  Case g(dims(2, 4, 2, 3, 5, 4, 4, true), 21);
  g.run();
  expect_near_all(g.out, naive_plain(g.d, g.q, g.k, g.v));
  // MHA with kv head h/2 copied into slot h must give the same numbers.
  Case m(dims(2, 4, 4, 3, 5, 4, 4, true));
  m.q = g.q;
  const int64_t T = 5, D = 4;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t e = 0; e < T * D; ++e) {
        m.k[(b * 4 + h) * T * D + e] = g.k[(b * 2 + h / 2) * T * D + e];
        m.v[(b * 4 + h) * T * D + e] = g.v[(b * 2 + h / 2) * T * D + e];
      }
  m.run();
  EXPECT_EQ(m.out, g.out);
}

TEST(Attention, AdditiveMaskEqualsBoolMask) {
  const int64_t B = 2, H = 2, S = 4, T = 6;
  Case c(dims(B, H, H, S, T, 8, 5, false), 31);
  // Mask [B, 1, S, T] broadcast over heads; row (b=1, i=2) fully masked.
  std::mt19937 rng(5);
  std::vector<uint8_t> allowed(B * S * T);
  std::vector<float> additive(B * S * T);
  for (size_t e = 0; e < allowed.size(); ++e) {
    allowed[e] = rng() % 3 != 0;
    if ((e / T) == 1 * S + 2) allowed[e] = 0;
    additive[e] = allowed[e] ? 0.0f : kNegInf;
  }
  AttentionMask mb;
  mb.allowed = allowed.data();
  mb.strides[0] = S * T;
  mb.strides[1] = 0;
  mb.strides[2] = T;
  mb.strides[3] = 1;
  AttentionMask ma = mb;
  ma.allowed = nullptr;
  ma.additive = additive.data();
  c.run(mb);
  const std::vector<float> with_bool = c.out;
  c.run(ma);
  EXPECT_EQ(c.out, with_bool);
  const auto want = naive(
      c.d, c.q, c.k, c.v,
      [&](int64_t b, int64_t, int64_t i, int64_t j) { return allowed[(b * S + i) * T + j] != 0; },
      [](auto...) { return 0.0; });
  expect_near_all(c.out, want);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t x = 0; x < 5; ++x) EXPECT_EQ(c.out[((1 * H + h) * S + 2) * 5 + x], 0.0f);
}

TEST(Attention, GeneralAdditiveBiasMatchesNaive) {
  const int64_t S = 3, T = 4;
  Case c(dims(1, 2, 1, S, T, 4, 4, false), 41);
  const std::vector<float> bias = random_vec(S * T, 99, -2.0f, 2.0f);  // [1, 1, S, T]
  AttentionMask m;
  m.additive = bias.data();
  m.strides[2] = T;
  m.strides[3] = 1;
  c.run(m);
  const auto want = naive(
      c.d, c.q, c.k, c.v, [](auto...) { return true; },
      [&](int64_t, int64_t, int64_t i, int64_t j) { return double{bias[i * T + j]}; });
  expect_near_all(c.out, want);
}

TEST(Attention, FullyMaskedRowsAreZero) {
  // Causal with more queries than keys: query i sits at position T - S + i = i - 2, so
  // queries 0 and 1 see no key at all.
  Case c(dims(1, 1, 1, 4, 2, 3, 3, true), 51);
  c.run();
  for (int64_t x = 0; x < 6; ++x) EXPECT_EQ(c.out[x], 0.0f) << x;
  expect_near_all(c.out, naive_plain(c.d, c.q, c.k, c.v));
  // An all -inf additive row as well.
  Case a(dims(1, 1, 1, 2, 3, 2, 2, false), 52);
  const std::vector<float> mask = {kNegInf, kNegInf, kNegInf, 0.0f, kNegInf, 0.0f};
  AttentionMask m;
  m.additive = mask.data();
  m.strides[2] = 3;
  m.strides[3] = 1;
  a.run(m);
  EXPECT_EQ(a.out[0], 0.0f);
  EXPECT_EQ(a.out[1], 0.0f);
  const auto want = naive(
      a.d, a.q, a.k, a.v, [](auto...) { return true; },
      [&](int64_t, int64_t, int64_t i, int64_t j) { return double{mask[i * 3 + j]}; });
  expect_near_all(a.out, want);
}

TEST(Attention, LargeScoresStayFinite) {
  // Scores up to ~1e4 would overflow exp() without subtracting the row max. Integer q and k
  // keep every dot product exact in f32, so kernel and naive see identical scores.
  Case c(dims(1, 1, 1, 2, 8, 4, 4, false), 61);
  for (float& x : c.q) x = std::round(x * 60.0f);
  for (float& x : c.k) x = std::round(x * 60.0f);
  c.d.scale = 1.0f;
  c.run();
  for (float x : c.out) EXPECT_TRUE(std::isfinite(x));
  expect_near_all(c.out, naive_plain(c.d, c.q, c.k, c.v));
}

TEST(Attention, RejectsBadArguments) {
  Case c(dims(1, 3, 2, 1, 1, 1, 1, false));
  EXPECT_THROW(c.run(), Error);  // 2 does not divide 3
  Case d(dims(1, 1, 1, 1, 1, 1, 1, false));
  const float add = 0.0f;
  const uint8_t ok = 1;
  AttentionMask both;
  both.additive = &add;
  both.allowed = &ok;
  EXPECT_THROW(d.run(both), Error);
}

}  // namespace
}  // namespace nuri::kernels
