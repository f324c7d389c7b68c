// Helpers shared by the ONNX frontend tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "compiler/ir/graph.h"
#include "nuri/tensor.hpp"

namespace nuri::testing {

inline std::string onnx_data(const std::string& rel) {
  return std::string(NURI_ONNX_TEST_DATA) + "/" + rel;
}

inline int count_op(const ir::Graph& g, ir::OpKind op) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(),
                                        [&](const ir::Node& n) { return n.op == op; }));
}

// |got - want| <= atol + rtol * |want| elementwise (f32 or exact for integer types).
inline void expect_close(const Tensor& got, const Tensor& want, double atol, double rtol,
                         const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  if (want.dtype() != DType::F32) {
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), want.nbytes())) << what;
    return;
  }
  double worst = 0;
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.data_as<float>()[i], w = want.data_as<float>()[i];
    const double err = std::fabs(g - w);
    worst = std::max(worst, err);
    if (!(err <= atol + rtol * std::fabs(w))) {
      if (first_bad < 0) first_bad = i;
      ++bad;
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << want.numel() << " elements off; first at "
                    << first_bad << "; max abs error " << worst;
}

}  // namespace nuri::testing
