// The installed op contract (include/nuri/ops.h) is exactly what the IR's op schema renders, and
// the schema describes every op of the IR.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "compiler/ir/op_schema.h"

namespace nuri::ir {
namespace {

TEST(OpsHeader, MatchesTheIrOpSchema) {
  const std::string path = std::string(NURI_SOURCE_DIR) + "/include/nuri/ops.h";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == render_ops_header())
      << path << " differs from compiler/ir/op_schema.cpp: run "
      << "`cmake --build build --target nuri_ops_header` and commit the result";
}

TEST(OpsHeader, EveryOpHasInputsAndADefaultOrRequiredMarkPerAttribute) {
  for (OpKind op : kAllOps) {
    const OpSchema s = op_schema(op);
    EXPECT_NE(std::string(s.summary), "?") << op_name(op);
    EXPECT_FALSE(s.inputs.empty()) << op_name(op);
    bool optional_seen = false;  // optional inputs come last, so positions stay fixed
    for (const OpInputSpec& i : s.inputs) {
      EXPECT_FALSE(optional_seen && !i.optional) << op_name(op) << " input " << i.name;
      optional_seen = optional_seen || i.optional;
    }
    for (const OpAttrSpec& a : s.attrs) {
      const std::string type = a.type;
      EXPECT_TRUE(type == "int" || type == "float" || type == "string" || type == "ints")
          << op_name(op) << "." << a.name;
    }
    std::string up(op_name(op));
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string line = "#define NURI_OP_" + up + " \"" + std::string(op_name(op)) + "\"";
    EXPECT_NE(render_ops_header().find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace nuri::ir
