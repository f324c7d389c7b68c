#include "tools/nuri/commands.h"

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::cli {

// The size flags override a built-in model's own dims only when given, so their help shows no
// default (the demo's would mislead next to --builtin llama2-7b).
void add_builtin_model_options(CLI::App& cmd, ir::Gpt2Config& c) {
  cmd.add_option("--layers", c.layers, "built-in model: decoder layers (default: the model's own)");
  cmd.add_option("--d-model", c.d_model, "built-in model: hidden size (default: the model's own)");
  cmd.add_option("--heads", c.heads, "built-in model: attention heads (default: the model's own)");
  cmd.add_option("--vocab", c.vocab, "built-in model: vocabulary size (default: the model's own)");
  cmd.add_option("--seq", c.seq, "built-in model: tokens (default: the model's own)");
  cmd.add_option("--seed", c.seed, "seed for weights and inputs")->capture_default_str();
}

namespace {
bool given(const CLI::App& cmd, const char* flag) {
  const CLI::Option* opt = cmd.get_option_no_throw(flag);
  return opt && opt->count() > 0;
}
}  // namespace

ir::ModelSizes given_model_sizes(const CLI::App& cmd, const ir::Gpt2Config& c) {
  ir::ModelSizes s;
  if (given(cmd, "--layers")) s.layers = c.layers;
  if (given(cmd, "--d-model")) s.d_model = c.d_model;
  if (given(cmd, "--heads")) s.heads = c.heads;
  if (given(cmd, "--vocab")) s.vocab = c.vocab;
  if (given(cmd, "--seq")) s.seq = c.seq;
  return s;
}

void reject_model_sizes(const CLI::App& cmd, const std::string& what) {
  for (const char* flag : {"--layers", "--d-model", "--heads", "--vocab", "--seq"})
    if (given(cmd, flag))
      throw Error(
          fmt::format("{} shapes a built-in model and makes no sense with {} (use --dim "
                      "NAME=SIZE for its symbolic dims)",
                      flag, what));
}

}  // namespace nuri::cli
