// nuri: compile and run transformer models on cpu, GPU, NPU and PIM devices (or simulators).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "nuri/error.hpp"
#include "tools/nuri/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"nuri: a hardware abstraction runtime for AI accelerators"};
  app.require_subcommand(1);
  nuri::cli::register_run(app);
  nuri::cli::register_dump(app);
  nuri::cli::register_devices(app);
  nuri::cli::register_inspect(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const nuri::Error& e) {
    std::fprintf(stderr, "nuri: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nuri: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
