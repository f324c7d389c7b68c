// Writes include/nuri/ops.h from the IR's op schema: nuri_gen_ops_header <path>.
// The build target `nuri_ops_header` runs it; OpsHeader.MatchesTheIrOpSchema fails on drift.
#include <cstdio>
#include <fstream>

#include "compiler/ir/op_schema.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <path of nuri/ops.h>\n", argv[0]);
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << nuri::ir::render_ops_header();
  if (!out) {
    std::fprintf(stderr, "nuri_gen_ops_header: cannot write '%s'\n", argv[1]);
    return 1;
  }
  return 0;
}
