// How much work one node does: floating-point operations and the bytes it must at least move
// (every input read once, every output written once). Roofline plots and benchmarks divide
// measured time by these.
#pragma once

#include "compiler/ir/graph.h"

namespace nuri::ir {

// Exact for the matmul-like ops (integer ones too) and attention (2 per multiply-add, ~5 per
// softmax score); one per output element for the elementwise ops, norms and reductions; 0 for
// layout-only ops.
double node_flops(const Graph& g, const Node& n);
// Sum of the node's input and output bytes (constants included): the compulsory traffic.
double node_min_bytes(const Graph& g, const Node& n);

}  // namespace nuri::ir
