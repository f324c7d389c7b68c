// Checks a graph before anything compiles or runs it.
#pragma once

#include "compiler/ir/graph.h"

namespace nuri::ir {

// Throws nuri::Error on the first problem found: a value defined twice (by two nodes, or by a
// node and as an input/constant), a node reading an undefined value, a cycle, a graph output
// that nothing defines, a constant whose data disagrees with its type, duplicate value names, or
// a node whose recorded output types differ from what shape inference derives (message: node,
// output, expected vs actual).
void verify(const Graph& graph);

}  // namespace nuri::ir
