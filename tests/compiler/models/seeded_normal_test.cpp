// Built-in weights: counter-based normals, identical for every thread count, with the moments
// and tails of N(0, 1).
#include "compiler/models/seeded_normal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "compiler/models/catalogue.h"

namespace nuri::ir {
namespace {

TEST(SeededNormal, SameNumbersForEveryThreadCount) {
  const int64_t n = (int64_t{1} << 20) + 12345;  // not a multiple of any split
  std::vector<float> one(n), many(n);
  fill_normal(one.data(), n, 42, 0.02, 1);
  for (int threads : {2, 3, 7}) {
    fill_normal(many.data(), n, 42, 0.02, threads);
    ASSERT_EQ(0, std::memcmp(one.data(), many.data(), n * sizeof(float))) << threads << " threads";
  }
  for (int64_t i : {int64_t{0}, int64_t{777}, n - 1})
    EXPECT_EQ(one[i], static_cast<float>(normal_at(42, i) * 0.02)) << "entry " << i;
  std::vector<float> other(n);
  fill_normal(other.data(), n, 43, 0.02, 1);
  EXPECT_NE(0, std::memcmp(one.data(), other.data(), n * sizeof(float))) << "keys 42 and 43";
}

// Moments and tail mass of 4M draws against N(0, 1): each bound is about five standard errors
// of its estimate, so a correct generator fails by chance less than once in a million runs.
TEST(SeededNormal, DistributionIsStandardNormal) {
  const int64_t n = int64_t{1} << 22;
  double sum = 0, sq = 0, fourth = 0;
  int64_t beyond2 = 0, beyond3 = 0, beyond4 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = normal_at(7, i);
    sum += x;
    sq += x * x;
    fourth += x * x * x * x;
    beyond2 += std::fabs(x) > 2;
    beyond3 += std::fabs(x) > 3;
    beyond4 += std::fabs(x) > 4;
  }
  const double dn = static_cast<double>(n);
  EXPECT_NEAR(sum / dn, 0.0, 5 / std::sqrt(dn));
  EXPECT_NEAR(sq / dn, 1.0, 5 * std::sqrt(2 / dn));
  EXPECT_NEAR(fourth / dn, 3.0, 5 * std::sqrt(96 / dn));
  // P(|x| > 2) = 0.0455003, P(|x| > 3) = 0.0026998, P(|x| > 4) = 6.3342e-5 (past the ziggurat's
  // base strip at 3.65: the tail algorithm).
  const auto expect_mass = [&](int64_t count, double p, const char* what) {
    EXPECT_NEAR(count / dn, p, 5 * std::sqrt(p * (1 - p) / dn)) << what;
  };
  expect_mass(beyond2, 0.0455003, "|x| > 2");
  expect_mass(beyond3, 0.0026998, "|x| > 3");
  expect_mass(beyond4, 6.3342e-5, "|x| > 4");
}

TEST(SeededNormal, BuiltinWeightsAreSeeded) {
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
