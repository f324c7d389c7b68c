// A simple pass manager: named graph passes run in order, the graph verified after each.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

// A pass rewrites the graph in place and says whether it changed anything.
using PassFn = std::function<bool(Graph&)>;

struct PassResult {
  std::string name;
  bool changed = false;
};

class PassManager {
 public:
  PassManager& add(std::string name, PassFn fn);
  // Runs every pass in order and verifies the graph after each; an error (from a pass or from
  // verification) is re-thrown naming the pass.
  std::vector<PassResult> run(Graph& graph) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::pair<std::string, PassFn>> passes_;
};

}  // namespace nuri::ir
