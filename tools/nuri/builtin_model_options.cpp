#include "tools/nuri/commands.h"

namespace nuri::cli {

void add_builtin_model_options(CLI::App& cmd, ir::Gpt2Config& c) {
  cmd.add_option("--layers", c.layers, "built-in model: decoder layers")->capture_default_str();
  cmd.add_option("--d-model", c.d_model, "built-in model: hidden size")->capture_default_str();
  cmd.add_option("--heads", c.heads, "built-in model: attention heads")->capture_default_str();
  cmd.add_option("--vocab", c.vocab, "built-in model: vocabulary size")->capture_default_str();
  cmd.add_option("--seq", c.seq, "built-in model: tokens")->capture_default_str();
  cmd.add_option("--seed", c.seed, "seed for weights and inputs")->capture_default_str();
}

}  // namespace nuri::cli
