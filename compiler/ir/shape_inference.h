// Output dtype and shape of every op, from its input types and attributes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

struct InferInput {
  std::string name;                // value name, for messages
  std::optional<TensorType> type;  // nullopt for an absent optional input
};

// Throws nuri::Error naming the op, the input and what was expected vs actual. `num_outputs`
// is the node's output count (Split and Attention depend on it).
std::vector<TensorType> infer_types(OpKind op, const Attributes& attrs,
                                    std::span<const InferInput> inputs, size_t num_outputs);

// The same for a node of a graph; errors are prefixed with the node's name and op.
std::vector<TensorType> infer_node_types(const Graph& graph, const Node& node);

}  // namespace nuri::ir
