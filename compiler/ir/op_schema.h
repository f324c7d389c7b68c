// The op contract: each IR op's inputs by position, its attributes and their defaults. The
// public header include/nuri/ops.h is rendered from this table (render_ops_header), and a test
// fails when the checked-in header drifts from it; a switch over OpKind keeps the table complete.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/op.h"

namespace nuri::ir {

struct OpInputSpec {
  const char* name;
  bool optional = false;  // -1 in the node's inputs when absent
};

struct OpAttrSpec {
  const char* name;
  const char* type;      // "int", "float", "string", "ints"
  const char* fallback;  // the default as C text; nullptr = required
  const char* meaning;
};

struct OpSchema {
  const char* summary;
  std::vector<OpInputSpec> inputs;
  bool variadic = false;  // the last input repeats (Concat)
  std::vector<OpAttrSpec> attrs;
  const char* outputs;
};

OpSchema op_schema(OpKind op);

// The text of include/nuri/ops.h.
std::string render_ops_header();

}  // namespace nuri::ir
