// nuri dump: print the graph IR as text (the built-in model, or an ONNX file as imported).
#include <fmt/format.h>

#include <memory>

#include "compiler/ir/dump.h"
#include "runtime/model_inputs.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {

void register_dump(CLI::App& app) {
  struct Options {
    ir::Gpt2Config config;
    std::string model;
    std::vector<std::string> dims;
    bool no_fuse = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("dump", "print a model's graph IR (default: built-in GPT-2)");
  cmd->add_option("model", o->model, "an .onnx file (default: the built-in model)");
  cmd->add_option("--dim", o->dims, "NAME=SIZE for a symbolic input dimension");
  cmd->add_flag("--no-fuse", o->no_fuse, "the graph as imported, without fusion");
  add_builtin_model_options(*cmd, o->config);
  cmd->callback([o, cmd] {
    if (o->model.empty()) {
      fmt::print("{}", ir::dump(ir::build_gpt2(o->config)));
      return;
    }
    reject_model_sizes(*cmd, "an ONNX model file");
    const onnx::OnnxModel model = rt::load_model(o->model);
    const rt::ModelInputs in =
        rt::build_inputs(model, {}, rt::parse_dim_args(o->dims), o->config.seed);
    fmt::print("{}", ir::dump(model.specialize(in.shapes, {.fuse = !o->no_fuse})));
  });
}

}  // namespace nuri::cli
