#include "compiler/passes/pass_manager.h"

#include <fmt/format.h>

#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::ir {

PassManager& PassManager::add(std::string name, PassFn fn) {
  passes_.emplace_back(std::move(name), std::move(fn));
  return *this;
}

std::vector<PassResult> PassManager::run(Graph& graph) const {
  std::vector<PassResult> results;
  for (const auto& [name, fn] : passes_) {
    try {
      const bool changed = fn(graph);
      verify(graph);
      results.push_back({name, changed});
    } catch (const Error& e) {
      throw Error(fmt::format("pass '{}': {}", name, e.what()), e.status());
    }
  }
  return results;
}

std::vector<std::string> PassManager::names() const {
  std::vector<std::string> out;
  for (const auto& p : passes_) out.push_back(p.first);
  return out;
}

}  // namespace nuri::ir
