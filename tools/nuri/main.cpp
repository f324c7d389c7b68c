// nuri: compile and run transformer models on cpu, NPU and PIM devices (or simulators).
// Exit codes: 0 success, 1 a usage, model, input or device error (the message says which),
// 2 an internal error (a bug: please report it), 3 `nuri simulate --baseline`: a metric regressed.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "devices/cpu/cpu_device.h"
#include "nuri/device.h"
#include "nuri/error.hpp"
#include "nuri/nuri.h"
#include "tools/nuri/commands.h"

// The cpu device runs on libgomp's OpenMP team. Its default wait policy spins at every barrier,
// which on a busy machine starves the team's own stragglers (GPT-2-small prefill took 3x longer
// at 2 threads than at 1 with another busy process on a 2-core machine). Passive waits cost little
// when the machine is idle. libgomp reads OMP_WAIT_POLICY once, when it is loaded, before main.
// Setting it from a preinit function does not take: glibc's own initializer then resets the
// environment to the one the kernel passed. So when the user set no policy, nuri starts itself
// once more with the policy in its environment (a value the user set is kept).
static void restart_with_passive_omp_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0) != 0) return;
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): run on with libgomp's default policy.
}

namespace {

void print_version() {
  std::printf("nuri %s\ndevice ABI %d.%d\noneDNN %s\n", NURI_VERSION_STRING, NURI_DEVICE_ABI_MAJOR,
              NURI_DEVICE_ABI_MINOR, nuri::cpu::onednn_version().c_str());
}

std::string command_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands({}))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

bool is_command(const CLI::App& app, const char* name) {
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->check_name(name)) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_passive_omp_waits(argv);
  CLI::App app{"nuri: a hardware abstraction runtime for AI accelerators"};
  app.require_subcommand(1);
  bool version = false;
  app.add_flag("--version", version, "print the versions of nuri, the device ABI and oneDNN");
  nuri::cli::register_run(app);
  nuri::cli::register_dump(app);
  nuri::cli::register_devices(app);
  nuri::cli::register_inspect(app);
  nuri::cli::register_bench(app);
  nuri::cli::register_simulate(app);
  nuri::cli::register_generate(app);
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--version") == 0) {
      print_version();
      return 0;
    }
  if (argc < 2) {
    std::fprintf(stderr, "nuri: error: a command is required (%s); see nuri --help\n",
                 command_names(app).c_str());
    return 1;
  }
  if (argv[1][0] != '-' && !is_command(app, argv[1])) {
    std::fprintf(stderr, "nuri: error: unknown command '%s' (commands: %s); see nuri --help\n",
                 argv[1], command_names(app).c_str());
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const nuri::cli::ExitCode& e) {
    return e.code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "nuri: error: %s; see nuri %s--help\n", e.what(),
                 argc > 1 && argv[1][0] != '-' ? (std::string(argv[1]) + " ").c_str() : "");
    return 1;
  } catch (const nuri::Error& e) {
    std::fprintf(stderr, "nuri: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nuri: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
