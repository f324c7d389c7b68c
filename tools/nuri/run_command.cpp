// nuri run: compile a model once, run it, print next-token ids, a logits checksum, the
// device(s) used and the time taken.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "devices/ref/ref_program.h"
#include "tools/nuri/commands.h"
#include "tools/nuri/summary.h"

namespace nuri::cli {
namespace {

struct RunOptions {
  ir::Gpt2Config model;
  int repeat = 1;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void run(const RunOptions& o) {
  const auto t_build = std::chrono::steady_clock::now();
  ir::Graph graph = ir::build_gpt2(o.model);
  const double build_ms = ms_since(t_build);
  const ir::Gpt2Config& c = o.model;
  fmt::print(
      "model: built-in {} ({} layers, d_model {}, {} heads, vocab {}, {} tokens, "
      "{:.2f} M parameters, {} nodes)\n",
      graph.name(), c.layers, c.d_model, c.heads, c.vocab, c.seq,
      static_cast<double>(graph.parameter_count()) / 1e6, graph.nodes().size());

  const auto t_compile = std::chrono::steady_clock::now();
  ref::RefProgram program(std::move(graph));
  const double compile_ms = ms_since(t_compile);
  fmt::print("devices: ref (reference kernels, 1 thread) ran all {} nodes\n",
             program.graph().nodes().size());

  const std::vector<Tensor> inputs{ir::gpt2_demo_ids(c)};
  std::vector<Tensor> outputs;
  std::vector<double> run_ms;
  for (int i = 0; i < std::max(o.repeat, 1); ++i) {
    const auto t_run = std::chrono::steady_clock::now();
    outputs = program.run(inputs);
    run_ms.push_back(ms_since(t_run));
  }
  std::vector<double> sorted = run_ms;
  std::sort(sorted.begin(), sorted.end());

  const Tensor& logits = outputs.front();
  const std::vector<int64_t> next = argmax_last(logits);
  fmt::print("input ids (seed {}): [{}]\n", c.seed,
             fmt::join(inputs[0].data_as<int64_t>(), inputs[0].data_as<int64_t>() + c.seq, ", "));
  fmt::print("next-token ids (argmax at each position): [{}]\n", fmt::join(next, ", "));
  fmt::print("next token after the sequence: {}\n", next.back());
  fmt::print("logits {}{}: {}\n", dtype_name(logits.dtype()), shape_str(logits.shape()),
             format_checksum(checksum(logits)));
  fmt::print("memory: activation arena {:.1f} KiB (without reuse {:.1f} KiB), weights {:.1f} MiB\n",
             program.peak_bytes() / 1024.0, program.unshared_bytes() / 1024.0,
             program.graph().constant_bytes() / 1048576.0);
  fmt::print(
      "time: build {:.2f} ms, compile {:.2f} ms, run median {:.2f} ms (min {:.2f}, max "
      "{:.2f}, {} runs)\n",
      build_ms, compile_ms, sorted[sorted.size() / 2], sorted.front(), sorted.back(),
      sorted.size());
}

}  // namespace

void register_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "compile and run a model (default: the built-in GPT-2-style model) and print "
      "next-token ids, a logits checksum, the devices used and the time taken");
  add_builtin_model_options(*cmd, o->model);
  cmd->add_option("--repeat", o->repeat, "runs after compiling once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->callback([o] { run(*o); });
}

}  // namespace nuri::cli
