// The `nuri` CLI's subcommands. Each registers its options on the app and runs when chosen.
#pragma once

#include <CLI/CLI.hpp>

#include "compiler/models/gpt2.h"

namespace nuri::cli {

// Options that pick the built-in demo model (shared by run and dump).
void add_builtin_model_options(CLI::App& cmd, ir::Gpt2Config& config);

void register_run(CLI::App& app);
void register_dump(CLI::App& app);
void register_devices(CLI::App& app);
void register_inspect(CLI::App& app);
void register_bench(CLI::App& app);

}  // namespace nuri::cli
