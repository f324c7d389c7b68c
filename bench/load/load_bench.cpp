// Load and compile: how long a model takes to become a ready cpu session, and the memory it
// takes on the way (peak RSS above the process's baseline, against the weights' bytes). One
// measurement per process, so the peak is this run's: bench/load/load_bench.sh repeats it and
// prints medians beside ONNX Runtime's session create.
//   load_bench onnx FILE [--dim NAME=SIZE]...   import + compile (cpu, 1 thread)
//   load_bench builtin NAME                     weight generation, then cpu compile
// Prints one JSON object: phases in ms (wall) and cpu ms (user + system), rss in MiB.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/models/catalogue.h"
#include "nuri/error.hpp"
#include "runtime/model_inputs.h"
#include "runtime/model_session.h"
#include "runtime/session_options.h"

namespace {

double kib_field(const char* field) {  // a "VmHWM:   1234 kB" line of /proc/self/status
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::string(field).size()));
  return 0;
}

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// Nanoseconds this process's threads spent runnable but waiting for a core (the second field of
// /proc/self/task/*/schedstat): under a loaded machine, most of what wall time adds over cpu.
double runqueue_wait_ms() {
  double ns = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "schedstat");
    double on_cpu = 0, waiting = 0;
    if (in >> on_cpu >> waiting) ns += waiting;
  }
  return ns / 1e6;
}

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpu_ms();
  double wall_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall)
        .count();
  }
  double cpu_used() const { return cpu_ms() - cpu; }
};

nuri::rt::SessionOptions cpu_one_thread() {
  nuri::rt::SessionOptions o;
  o.devices = {"cpu"};
  nuri::rt::set_cpu_threads(o, 1);
  return o;
}

int run_onnx(const std::string& path, const std::vector<std::string>& dims) {
  const double base_kib = kib_field("VmRSS:");
  const double wait_before = runqueue_wait_ms();
  const Clock all;
  auto model = std::make_shared<const nuri::onnx::OnnxModel>(nuri::rt::load_model(path));
  const double load_ms = all.wall_ms();
  // Compiling needs the inputs' shapes only: zeros, never touched, rather than generated data.
  const nuri::rt::ModelInputs in =
      nuri::rt::build_inputs(*model, {}, nuri::rt::parse_dim_args(dims), 0, /*generate=*/false);
  const Clock compile;
  nuri::rt::ModelSession session(model, cpu_one_thread());
  nuri::rt::Session& s = session.session_for(in.tensors);
  const double compile_ms = compile.wall_ms(), total_ms = all.wall_ms(), cpu = all.cpu_used();
  const double peak_mib = (kib_field("VmHWM:") - base_kib) / 1024;
  const double after_mib = (kib_field("VmRSS:") - base_kib) / 1024;
  const double weights_mib = static_cast<double>(s.graph().constant_bytes()) / (1 << 20);
  // Constants used where they lie in the file (the rest were copied), and the bytes of mapped
  // ones something read typed, through an aligned copy (the cpu device packs without one).
  double mapped = 0;
  for (const nuri::ir::Value& v : s.graph().values())
    if (v.kind == nuri::ir::ValueKind::Constant && v.data && v.data->is_view())
      mapped += static_cast<double>(v.data->nbytes());
  std::printf(
      "{\"file\": \"%s\", \"load_ms\": %.1f, \"compile_ms\": %.1f, \"total_ms\": %.1f, "
      "\"total_cpu_ms\": %.1f, \"weights_mib\": %.1f, \"mapped_mib\": %.1f, "
      "\"peak_rss_above_base_mib\": %.1f, \"rss_after_mib\": %.1f, \"peak_over_weights\": %.2f, "
      "\"unaligned_copied_mib\": %.1f, \"runqueue_wait_ms\": %.1f}\n",
      path.c_str(), load_ms, compile_ms, total_ms, cpu, weights_mib, mapped / (1 << 20), peak_mib,
      after_mib, peak_mib / weights_mib,
      static_cast<double>(nuri::unaligned_view_copy_bytes()) / (1 << 20),
      runqueue_wait_ms() - wait_before);
  return 0;
}

int run_builtin(const std::string& name) {
  const double base_kib = kib_field("VmRSS:");
  const Clock weights;
  nuri::ir::BuiltinModel m = nuri::ir::build_builtin_model(name, {}, 1, true);
  const double weights_ms = weights.wall_ms(), weights_cpu = weights.cpu_used();
  const double weights_mib = static_cast<double>(m.graph.constant_bytes()) / (1 << 20);
  const Clock compile;
  nuri::rt::Session session(std::move(m.graph), cpu_one_thread());
  const double compile_ms = compile.wall_ms(), compile_cpu = compile.cpu_used();
  const double peak_mib = (kib_field("VmHWM:") - base_kib) / 1024;
  std::printf(
      "{\"builtin\": \"%s\", \"weights_ms\": %.1f, \"weights_cpu_ms\": %.1f, \"compile_ms\": "
      "%.1f, \"compile_cpu_ms\": %.1f, \"weights_mib\": %.1f, \"peak_rss_above_base_mib\": "
      "%.1f, \"peak_over_weights\": %.2f}\n",
      name.c_str(), weights_ms, weights_cpu, compile_ms, compile_cpu, weights_mib, peak_mib,
      peak_mib / weights_mib);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "onnx") {
    std::vector<std::string> dims;
    for (size_t i = 2; i + 1 < args.size(); i += 2)
      if (args[i] == "--dim") dims.push_back(args[i + 1]);
    return run_onnx(args[1], dims);
  }
  if (args.size() == 2 && args[0] == "builtin") return run_builtin(args[1]);
  std::fprintf(stderr, "usage: load_bench onnx FILE [--dim NAME=SIZE]... | builtin NAME\n");
  return 2;
} catch (const nuri::Error& e) {
  std::fprintf(stderr, "load_bench: %s\n", e.what());
  return 1;
}
