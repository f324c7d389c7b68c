#include "kernels/cpu/reduce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Naive reference: every input element is sent to the output index formed by its kept
// coordinates; Mean divides by the number of elements that landed in each output.
std::vector<double> naive_reduce(ReduceOp op, const std::vector<float>& x, const Shape& shape,
                                 const Shape& axes) {
  std::vector<bool> reduced(shape.size(), false);
  for (int64_t a : axes) reduced[static_cast<size_t>(a)] = true;
  Shape out_shape;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!reduced[d]) out_shape.push_back(shape[d]);
  const auto on = static_cast<size_t>(numel(out_shape));
  std::vector<double> acc(on, op == ReduceOp::Max ? -INFINITY : 0.0);
  std::vector<int64_t> count(on, 0);
  for (int64_t flat = 0; flat < numel(shape); ++flat) {
    Shape coord(shape.size());
    int64_t r = flat;
    for (size_t d = shape.size(); d-- > 0;) {
      coord[d] = r % shape[d];
      r /= shape[d];
    }
    int64_t o = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (!reduced[d]) o = o * shape[d] + coord[d];
    const double v = x[static_cast<size_t>(flat)];
    auto& a = acc[static_cast<size_t>(o)];
    a = op == ReduceOp::Max ? std::max(a, v) : a + v;
    ++count[static_cast<size_t>(o)];
  }
  if (op == ReduceOp::Mean)
    for (size_t i = 0; i < on; ++i) acc[i] /= static_cast<double>(count[i]);
  return acc;
}

TEST(Reduce, HandValues2x3) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const Shape s = {2, 3};
  const Shape ax0 = {0}, ax1 = {1}, both = {0, 1};
  std::vector<float> y(3);
  reduce(ReduceOp::Sum, x.data(), s, ax0, y.data());
  EXPECT_EQ(y, (std::vector<float>{5, 7, 9}));
  reduce(ReduceOp::Max, x.data(), s, ax0, y.data());
  EXPECT_EQ(y, (std::vector<float>{4, 5, 6}));
  y.assign(2, 0);
  reduce(ReduceOp::Sum, x.data(), s, ax1, y.data());
  EXPECT_EQ(y, (std::vector<float>{6, 15}));
  reduce(ReduceOp::Mean, x.data(), s, ax1, y.data());
  EXPECT_EQ(y, (std::vector<float>{2, 5}));
  float all = 0;
  reduce(ReduceOp::Sum, x.data(), s, both, &all);
  EXPECT_EQ(all, 21.0f);
  reduce(ReduceOp::Mean, x.data(), s, both, &all);
  EXPECT_EQ(all, 3.5f);
}

TEST(Reduce, AxisSetsMatchNaive) {
  const Shape shape = {2, 3, 4, 5};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-10.0f, 10.0f);
  std::vector<float> x(static_cast<size_t>(numel(shape)));
  for (float& v : x) v = dist(rng);
  const std::vector<Shape> axis_sets = {{},     {0},    {1},    {3},       {0, 2},
                                        {1, 3}, {2, 0}, {1, 2}, {0, 1, 3}, {0, 1, 2, 3}};
  for (const Shape& axes : axis_sets) {
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max}) {
      const auto want = naive_reduce(op, x, shape, axes);
      std::vector<float> y(want.size(), -777.0f);
      reduce(op, x.data(), shape, axes, y.data());
      // Both sum in double; the only difference is the final rounding to float.
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_NEAR(y[i], want[i], 1e-6 * (1.0 + std::fabs(want[i])))
            << "op " << static_cast<int>(op) << " axes size " << axes.size() << " i " << i;
    }
  }
}

TEST(Reduce, SizeOneDimsAndRankZero) {
  // Reducing a size-1 axis is a copy.
  const Shape s = {3, 1, 4};
  const Shape ax1 = {1};
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 1.5f;
  std::vector<float> y(12);
  reduce(ReduceOp::Mean, x.data(), s, ax1, y.data());
  EXPECT_EQ(y, x);
  const Shape scalar = {};
  const Shape none = {};
  const float v = 4.25f;
  float out = 0;
  reduce(ReduceOp::Max, &v, scalar, none, &out);
  EXPECT_EQ(out, 4.25f);
}

TEST(Reduce, EmptyGroupsAndNaN) {
  const Shape s = {0, 3};
  const Shape ax0 = {0};
  std::vector<float> y(3, 5.0f);
  reduce(ReduceOp::Sum, nullptr, s, ax0, y.data());
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0}));
  reduce(ReduceOp::Max, nullptr, s, ax0, y.data());
  EXPECT_EQ(y[0], -std::numeric_limits<float>::infinity());
  reduce(ReduceOp::Mean, nullptr, s, ax0, y.data());
  EXPECT_TRUE(std::isnan(y[0]));

  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {1, nan, 3, 4, 5, 6};
  const Shape s23 = {2, 3};
  const Shape ax1 = {1};
  std::vector<float> m(2);
  reduce(ReduceOp::Max, x.data(), s23, ax1, m.data());
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_EQ(m[1], 6.0f);
}

TEST(Reduce, BadAxesThrow) {
  const std::vector<float> x(6);
  std::vector<float> y(6);
  const Shape s = {2, 3};
  const Shape out_of_range = {2};
  const Shape negative = {-1};
  const Shape repeated = {1, 1};
  EXPECT_THROW(reduce(ReduceOp::Sum, x.data(), s, out_of_range, y.data()), Error);
  EXPECT_THROW(reduce(ReduceOp::Sum, x.data(), s, negative, y.data()), Error);
  EXPECT_THROW(reduce(ReduceOp::Sum, x.data(), s, repeated, y.data()), Error);
}

}  // namespace
}  // namespace nuri::kernels
