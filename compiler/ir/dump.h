// A readable text form of a graph (`nuri dump`).
#pragma once

#include <string>

#include "compiler/ir/graph.h"

namespace nuri::ir {

// One line per input, constant (type and size) and node (in topological order):
//   %attn_out: f32[1, 4, 32, 32] = Attention(%q, %k, %v) {causal=1}
std::string dump(const Graph& graph);

}  // namespace nuri::ir
