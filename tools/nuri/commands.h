// The `nuri` CLI's subcommands. Each registers its options on the app and runs when chosen.
#pragma once

#include <CLI/CLI.hpp>

#include "compiler/models/catalogue.h"
#include "compiler/models/gpt2.h"

namespace nuri::cli {

// Options that pick the built-in demo model (shared by run and dump).
void add_builtin_model_options(CLI::App& cmd, ir::Gpt2Config& config);
// The size flags given on the command line (after parsing), for the model catalogue.
ir::ModelSizes given_model_sizes(const CLI::App& cmd, const ir::Gpt2Config& config);
// Throws naming the first size flag given, which makes no sense with `what`.
void reject_model_sizes(const CLI::App& cmd, const std::string& what);

void register_run(CLI::App& app);
void register_dump(CLI::App& app);
void register_devices(CLI::App& app);
void register_inspect(CLI::App& app);
void register_bench(CLI::App& app);
void register_simulate(CLI::App& app);

// Thrown by a command that ends with a documented non-zero exit code without an error message
// (nuri simulate's regression gate); main returns `code`.
struct ExitCode {
  int code;
};
void register_generate(CLI::App& app);

}  // namespace nuri::cli
