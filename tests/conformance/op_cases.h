// The conformance cases: one-node graphs with seeded inputs, per op, dtype and shape.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::conformance {

struct OpCase {
  std::string name;  // "MatMul/f32/2x3x4", unique
  ir::Graph graph;
  std::vector<Tensor> inputs;
};

std::vector<OpCase> all_op_cases();

// Absolute + relative tolerance for comparing a device's outputs with ref's in this dtype.
double tolerance_for(DType dtype);

}  // namespace nuri::conformance
