// Runs one IR node on the reference kernels (kernels/cpu). The reference executor (the `ref`
// device) and the cpu device's fallback path share it, so the oracle is one piece of code.
#pragma once

#include <span>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

// Where a node's operands live for one run. Types come from the graph (fixed at compile time);
// pointers change per run. Absent optional inputs have a null type and data.
struct NodeOperands {
  std::vector<const TensorType*> in_types;
  std::vector<const void*> in;
  std::vector<const TensorType*> out_types;
  std::vector<void*> out;
};

// Computes the node's outputs. f16/bf16 ops compute in f32 and round the outputs to their
// dtype (inputs are exact in f32). Throws nuri::Error naming the node on data-dependent
// faults (index out of range, integer division by zero).
void run_reference_node(const Node& node, const NodeOperands& io);

}  // namespace nuri::ir
