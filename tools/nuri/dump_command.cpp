// nuri dump: print the graph IR as text.
#include <fmt/format.h>

#include <memory>

#include "compiler/ir/dump.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {

void register_dump(CLI::App& app) {
  auto config = std::make_shared<ir::Gpt2Config>();
  CLI::App* cmd = app.add_subcommand("dump", "print a model's graph IR (default: built-in GPT-2)");
  add_builtin_model_options(*cmd, *config);
  cmd->callback([config] {
    const ir::Graph graph = ir::build_gpt2(*config);
    fmt::print("{}", ir::dump(graph));
  });
}

}  // namespace nuri::cli
