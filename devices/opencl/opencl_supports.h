// What the opencl device claims: the ops its kernels implement, on the dtypes and shapes they
// handle. Empty string: claimed; otherwise the reason it is not.
#pragma once

#include <string>

#include "compiler/ir/graph.h"

namespace nuri::opencl {

// `graph` holds node `node` with its operand types (a one-node graph from the ABI desc).
std::string unsupported_reason(const ir::Graph& graph, const ir::Node& node);

}  // namespace nuri::opencl
