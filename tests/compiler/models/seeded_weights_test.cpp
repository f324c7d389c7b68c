// Built-in weights: counter-based, identical for every thread count, with the moments and the
// bounds of the uniform distribution on [-sqrt(3), sqrt(3)) (mean 0, variance 1).
#include "compiler/models/seeded_weights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "compiler/models/catalogue.h"

namespace nuri::ir {
namespace {

TEST(SeededWeights, SameNumbersForEveryThreadCount) {
  const int64_t n = (int64_t{1} << 22) + 12345;  // not a multiple of any split
  std::vector<float> one(n), many(n);
  fill_weights(one.data(), n, 42, 0.02, 1);
  for (int threads : {2, 3, 7}) {
    fill_weights(many.data(), n, 42, 0.02, threads);
    ASSERT_EQ(0, std::memcmp(one.data(), many.data(), n * sizeof(float))) << threads << " threads";
  }
  for (int64_t i : {int64_t{0}, int64_t{777}, n - 1})
    EXPECT_EQ(one[i], weight_at(42, i, 0.02)) << "entry " << i;
  std::vector<float> other(n);
  fill_weights(other.data(), n, 43, 0.02, 1);
  EXPECT_NE(0, std::memcmp(one.data(), other.data(), n * sizeof(float))) << "keys 42 and 43";
}

// A stream does not repeat past 2^32 entries: the upper index bits change the salt.
TEST(SeededWeights, IndicesPast32BitsGetTheirOwnNumbers) {
  const uint64_t wrap = uint64_t{1} << 32;
  int same = 0;
  for (uint64_t i = 0; i < 1000; ++i) same += weight_at(5, i) == weight_at(5, i + wrap);
  EXPECT_LT(same, 5);
}

// Moments and mass of 4M draws against U(-sqrt(3), sqrt(3)): E[x] = 0, E[x^2] = 1,
// E[x^4] = 9/5, P(|x| > 1) = 1 - 1/sqrt(3). Each bound is about five standard errors of its
// estimate (Var x^2 = 9/5 - 1, Var x^4 = 9 - (9/5)^2), so a correct generator fails by chance
// less than once in a million runs.
TEST(SeededWeights, DistributionIsUniformWithUnitVariance) {
  const int64_t n = int64_t{1} << 22;
  std::vector<float> x(n);
  fill_weights(x.data(), n, 7, 1.0, 1);
  double sum = 0, sq = 0, fourth = 0, largest = 0;
  int64_t beyond1 = 0;
  for (float v : x) {
    const double d = v;
    sum += d;
    sq += d * d;
    fourth += d * d * d * d;
    largest = std::max(largest, std::fabs(d));
    beyond1 += std::fabs(d) > 1;
  }
  const double dn = static_cast<double>(n);
  EXPECT_NEAR(sum / dn, 0.0, 5 / std::sqrt(dn));
  EXPECT_NEAR(sq / dn, 1.0, 5 * std::sqrt(0.8 / dn));
  EXPECT_NEAR(fourth / dn, 1.8, 5 * std::sqrt((9 - 1.8 * 1.8) / dn));
  const double p1 = 1 - 1 / std::sqrt(3.0);
  EXPECT_NEAR(beyond1 / dn, p1, 5 * std::sqrt(p1 * (1 - p1) / dn));
  EXPECT_LE(largest, std::sqrt(3.0));
  EXPECT_GT(largest, std::sqrt(3.0) * (1 - 1e-4));  // the whole range is reached
}

TEST(SeededWeights, BuiltinWeightsAreSeeded) {
  const auto weights = [](uint64_t seed) {
    const BuiltinModel m = build_builtin_model("demo", {}, seed, true);
    std::vector<float> all;
    for (const Value& v : m.graph.values())
      if (v.kind == ValueKind::Constant && v.data && v.data->dtype() == DType::F32)
        all.insert(all.end(), v.data->data_as<float>(), v.data->data_as<float>() + v.data->numel());
    return all;
  };
  EXPECT_EQ(weights(1), weights(1));
  EXPECT_NE(weights(1), weights(2));
}

}  // namespace
}  // namespace nuri::ir
