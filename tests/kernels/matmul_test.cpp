#include "kernels/cpu/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

using Shape = std::vector<int64_t>;

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Naive triple loop in double: C[i,j] = sum_p A[i,p] B[p,j], with element accessors so the
// same loop covers transposed storage.
template <typename GetA, typename GetB>
std::vector<double> naive(int64_t m, int64_t n, int64_t k, GetA ga, GetB gb) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < k; ++p) s += static_cast<double>(ga(i, p)) * gb(p, j);
      c[static_cast<size_t>(i * n + j)] = s;
    }
  return c;
}

std::vector<double> naive_rowmajor(const float* a, const float* b, int64_t m, int64_t n,
                                   int64_t k) {
  return naive(
      m, n, k, [&](int64_t i, int64_t p) { return a[i * k + p]; },
      [&](int64_t p, int64_t j) { return b[p * n + j]; });
}

// Float accumulation of k products of values in [-1, 1]: each rounding is at most
// u |partial sum| (u = 2^-24) and the partial sums here stay O(sqrt k), so the error is far
// below 1e-6 * k; an indexing mistake shows up as an O(0.1) difference.
double tol_for(int64_t k) {
  return 1e-6 * static_cast<double>(k) + 1e-6;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << "index " << i;
}

TEST(Matmul, HandValues2x2) {
  const std::vector<float> a = {1, 2, 3, 4};
  const std::vector<float> b = {5, 6, 7, 8};
  std::vector<float> c(4, -99.0f);  // gemm_rowmajor must overwrite, not accumulate
  gemm_rowmajor(a.data(), b.data(), c.data(), 2, 2, 2);
  EXPECT_EQ(c, (std::vector<float>{19, 22, 43, 50}));
}

TEST(Matmul, GemmRowmajorCrossesBlockEdges) {
  // Sizes straddle the 64/256/256 blocks (and are not multiples of them).
  struct Dim {
    int64_t m, n, k;
  };
  for (const Dim d :
       {Dim{1, 1, 1}, Dim{3, 5, 7}, Dim{70, 300, 260}, Dim{65, 257, 513}, Dim{4, 3, 0}}) {
    const auto a = random_values(static_cast<size_t>(d.m * d.k), 1);
    const auto b = random_values(static_cast<size_t>(d.k * d.n), 2);
    std::vector<float> c(static_cast<size_t>(d.m * d.n), 7.0f);
    gemm_rowmajor(a.data(), b.data(), c.data(), d.m, d.n, d.k);
    expect_close(c, naive_rowmajor(a.data(), b.data(), d.m, d.n, d.k), tol_for(d.k));
  }
}

struct MatmulCase {
  Shape a, b, out;
};

// Reference for numpy matmul built from first principles: promote, then for every output
// batch coordinate pick the operand matrix by modulo indexing (a batch dim of 1 repeats).
std::vector<double> naive_matmul(const std::vector<float>& a, Shape as, const std::vector<float>& b,
                                 Shape bs, const Shape& out) {
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size()) - 2;
  Shape batch(rank);
  for (size_t d = 0; d < rank; ++d) {
    const size_t ra = as.size() - 2, rb = bs.size() - 2;
    const int64_t da = d + ra >= rank ? as[d + ra - rank] : 1;
    const int64_t db = d + rb >= rank ? bs[d + rb - rank] : 1;
    batch[d] = std::max(da, db);
  }
  int64_t nbatch = 1;
  for (int64_t x : batch) nbatch *= x;
  std::vector<double> result;
  for (int64_t t = 0; t < nbatch; ++t) {
    Shape coord(rank);
    int64_t r = t;
    for (size_t d = rank; d-- > 0;) {
      coord[d] = r % batch[d];
      r /= batch[d];
    }
    auto mat_index = [&](const Shape& s) {
      const size_t rs = s.size() - 2;
      int64_t idx = 0;
      for (size_t d = 0; d < rs; ++d) idx = idx * s[d] + coord[rank - rs + d] % s[d];
      return idx;
    };
    const float* pa = a.data() + mat_index(as) * m * k;
    const float* pb = b.data() + mat_index(bs) * k * n;
    const auto c = naive_rowmajor(pa, pb, m, n, k);
    result.insert(result.end(), c.begin(), c.end());
  }
  int64_t out_n = 1;
  for (int64_t x : out) out_n *= x;
  EXPECT_EQ(static_cast<int64_t>(result.size()), out_n);
  return result;
}

TEST(Matmul, NumpySemanticsAgainstNaive) {
  const std::vector<MatmulCase> cases = {
      {{4}, {4}, {}},                           // dot product -> scalar
      {{4}, {4, 3}, {3}},                       // 1-D left
      {{2, 4}, {4}, {2}},                       // 1-D right
      {{4}, {5, 4, 3}, {5, 3}},                 // 1-D left against a batch
      {{5, 2, 4}, {4}, {5, 2}},                 // batch against 1-D right
      {{3, 2, 4}, {4, 6}, {3, 2, 6}},           // shared B (folded into one gemm)
      {{2, 4}, {3, 4, 6}, {3, 2, 6}},           // shared A
      {{3, 2, 4}, {3, 4, 6}, {3, 2, 6}},        // equal batches
      {{2, 1, 2, 4}, {3, 4, 5}, {2, 3, 2, 5}},  // batch broadcast both sides, rank mismatch
      {{1, 3, 2, 4}, {2, 1, 4, 5}, {2, 3, 2, 5}},
      {{1, 1, 3, 4}, {4, 2}, {1, 1, 3, 2}},
      {{2, 2, 1, 2, 4}, {3, 4, 2}, {2, 2, 3, 2, 2}},  // rank-3 batch, inner dim broadcast
      {{3, 2, 4}, {2, 2, 1, 4, 2}, {2, 2, 3, 2, 2}},  // the same with the roles swapped
  };
  uint32_t seed = 10;
  for (const auto& c : cases) {
    int64_t na = 1, nb = 1, no = 1;
    for (int64_t x : c.a) na *= x;
    for (int64_t x : c.b) nb *= x;
    for (int64_t x : c.out) no *= x;
    const auto a = random_values(static_cast<size_t>(na), seed++);
    const auto b = random_values(static_cast<size_t>(nb), seed++);
    std::vector<float> out(static_cast<size_t>(no), 123.0f);
    matmul(a.data(), c.a, b.data(), c.b, out.data(), c.out);
    expect_close(out, naive_matmul(a, c.a, b, c.b, c.out), tol_for(4));
  }
}

TEST(Matmul, DotProductHandValue) {
  const Shape s = {3};
  const Shape scalar = {};
  const std::vector<float> a = {1, 2, 3};
  const std::vector<float> b = {4, -5, 6};
  float out = 0;
  matmul(a.data(), s, b.data(), s, &out, scalar);
  EXPECT_EQ(out, 12.0f);  // 4 - 10 + 18
}

TEST(Matmul, BadShapesThrow) {
  std::vector<float> a(64), b(64), out(64);
  const Shape a34 = {3, 4}, b34 = {3, 4}, b43 = {4, 3}, o33 = {3, 3}, o34 = {3, 4};
  EXPECT_THROW(matmul(a.data(), a34, b.data(), b34, out.data(), o33), Error);  // K mismatch
  EXPECT_THROW(matmul(a.data(), a34, b.data(), b43, out.data(), o34), Error);  // wrong out
  const Shape a224 = {2, 2, 4}, b343 = {3, 4, 3}, o323 = {3, 2, 3};
  EXPECT_THROW(matmul(a.data(), a224, b.data(), b343, out.data(), o323), Error);  // 2 vs 3
  const Shape rank0 = {};
  EXPECT_THROW(matmul(a.data(), rank0, b.data(), b43, out.data(), o34), Error);
}

TEST(Gemm, AllTransposesAlphaBetaAndBiasShapes) {
  const int64_t m = 5, n = 7, k = 6;
  const float alpha = 0.5f, beta = 2.0f;
  const auto a = random_values(static_cast<size_t>(m * k), 31);
  const auto b = random_values(static_cast<size_t>(k * n), 32);
  const auto cvals = random_values(static_cast<size_t>(m * n), 33);
  // Each bias shape with the rule that maps output (i, j) to its element.
  struct Bias {
    Shape shape;
    int64_t (*index)(int64_t i, int64_t j, int64_t n);
  };
  const std::vector<Bias> biases = {
      {{n}, [](int64_t, int64_t j, int64_t) { return j; }},
      {{1, n}, [](int64_t, int64_t j, int64_t) { return j; }},
      {{m, 1}, [](int64_t i, int64_t, int64_t) { return i; }},
      {{1}, [](int64_t, int64_t, int64_t) { return int64_t{0}; }},
      {{}, [](int64_t, int64_t, int64_t) { return int64_t{0}; }},
      {{1, 1}, [](int64_t, int64_t, int64_t) { return int64_t{0}; }},
      {{m, n}, [](int64_t i, int64_t j, int64_t nn) { return i * nn + j; }},
  };
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      // Storage: A is [M,K] or [K,M]; B is [K,N] or [N,K].
      auto ga = [&](int64_t i, int64_t p) { return ta ? a[p * m + i] : a[i * k + p]; };
      auto gb = [&](int64_t p, int64_t j) { return tb ? b[j * k + p] : b[p * n + j]; };
      const auto prod = naive(m, n, k, ga, gb);
      for (const auto& bias : biases) {
        std::vector<float> y(static_cast<size_t>(m * n), -5.0f);
        gemm(a.data(), b.data(), cvals.data(), bias.shape, y.data(), m, n, k, ta, tb, alpha, beta);
        std::vector<double> want(prod.size());
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j)
            want[static_cast<size_t>(i * n + j)] =
                alpha * prod[static_cast<size_t>(i * n + j)] +
                beta * cvals[static_cast<size_t>(bias.index(i, j, n))];
        expect_close(y, want, tol_for(k));
      }
      // No C at all.
      std::vector<float> y(static_cast<size_t>(m * n));
      const Shape none = {};
      gemm(a.data(), b.data(), nullptr, none, y.data(), m, n, k, ta, tb, alpha, beta);
      std::vector<double> want(prod.size());
      for (size_t i = 0; i < prod.size(); ++i) want[i] = alpha * prod[i];
      expect_close(y, want, tol_for(k));
    }
  }
}

TEST(Gemm, HandValuesTransposed) {
  // A^T with A stored [K=2, M=2] = [[1,3],[2,4]] -> op(A) = [[1,2],[3,4]].
  const std::vector<float> a = {1, 3, 2, 4};
  const std::vector<float> b = {5, 6, 7, 8};
  const std::vector<float> c = {1, -1};
  const Shape cs = {2};
  std::vector<float> y(4);
  gemm(a.data(), b.data(), c.data(), cs, y.data(), 2, 2, 2, true, false, 1.0f, 10.0f);
  EXPECT_EQ(y, (std::vector<float>{29, 12, 53, 40}));
}

TEST(Gemm, OutputMayAliasC) {
  const int64_t m = 3, n = 4, k = 2;
  const auto a = random_values(static_cast<size_t>(m * k), 41);
  const auto b = random_values(static_cast<size_t>(k * n), 42);
  std::vector<float> yc = random_values(static_cast<size_t>(m * n), 43);
  const std::vector<float> c0 = yc;
  const Shape cs = {m, n};
  gemm(a.data(), b.data(), yc.data(), cs, yc.data(), m, n, k, false, false, 1.0f, 1.0f);
  auto want = naive_rowmajor(a.data(), b.data(), m, n, k);
  for (size_t i = 0; i < want.size(); ++i) want[i] += c0[i];
  expect_close(yc, want, tol_for(k));
}

TEST(Gemm, BadBiasShapeThrows) {
  const std::vector<float> a(6), b(6), c(3);
  std::vector<float> y(4);
  const Shape wrong = {3};  // neither N (2) nor 1
  EXPECT_THROW(gemm(a.data(), b.data(), c.data(), wrong, y.data(), 2, 2, 3, false, false, 1, 1),
               Error);
  const Shape rank3 = {1, 1, 1};
  EXPECT_THROW(gemm(a.data(), b.data(), c.data(), rank3, y.data(), 2, 2, 3, false, false, 1, 1),
               Error);
}

}  // namespace
}  // namespace nuri::kernels
