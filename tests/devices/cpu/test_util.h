// Shared helpers for the cpu device tests: seeded data and tolerance checks that report the
// worst element.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/models/seeded_random.h"
#include "nuri/tensor.hpp"

namespace nuri::cpu::test {

inline std::vector<float> random_floats(size_t n, uint64_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  ir::SeededRandom rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

inline Tensor random_tensor(Shape shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(DType::F32, std::move(shape));
  const auto v = random_floats(static_cast<size_t>(t.numel()), seed, lo, hi);
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}

// Every element within atol + rtol * |expected|.
inline ::testing::AssertionResult all_close(const float* got, const float* want, int64_t n,
                                            double atol, double rtol) {
  int64_t worst = -1;
  double worst_excess = 0.0, worst_err = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const double excess = err - (atol + rtol * std::fabs(static_cast<double>(want[i])));
    if (!(excess <= 0.0) && (worst < 0 || excess > worst_excess || std::isnan(err))) {
      worst = i;
      worst_excess = excess;
      worst_err = err;
    }
  }
  if (worst < 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "element " << worst << ": got " << got[worst] << ", want " << want[worst] << " (|err| "
         << worst_err << " > " << atol << " + " << rtol << " * |want|)";
}

inline ::testing::AssertionResult all_close(const Tensor& got, const Tensor& want, double atol,
                                            double rtol) {
  if (got.shape() != want.shape() || got.dtype() != DType::F32 || want.dtype() != DType::F32)
    return ::testing::AssertionFailure()
           << "shape/dtype " << shape_str(got.shape()) << " vs " << shape_str(want.shape());
  return all_close(got.data_as<float>(), want.data_as<float>(), got.numel(), atol, rtol);
}

// max |got - want| / max |want|: the normalized error used for reduced-precision checks.
inline double normalized_max_error(const Tensor& got, const Tensor& want) {
  double err = 0.0, scale = 0.0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    err = std::max(
        err, static_cast<double>(std::fabs(got.data_as<float>()[i] - want.data_as<float>()[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(want.data_as<float>()[i])));
  }
  return scale > 0.0 ? err / scale : err;
}

}  // namespace nuri::cpu::test
