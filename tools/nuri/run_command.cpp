// nuri run: compile a model once on the chosen devices, run it, and print next-token ids, a
// logits checksum, the devices used and the time taken.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "compiler/models/catalogue.h"
#include "devices/cpu/thread_pool.h"
#include "runtime/link_model.h"
#include "runtime/model_inputs.h"
#include "runtime/model_session.h"
#include "runtime/npy.h"
#include "runtime/run_timeline.h"
#include "runtime/session.h"
#include "runtime/session_options.h"
#include "runtime/timeline_report.h"
#include "tools/nuri/bench_report.h"
#include "tools/nuri/commands.h"
#include "tools/nuri/summary.h"

namespace nuri::cli {
namespace {

struct RunOptions {
  std::string model_path;  // empty: the built-in GPT-2-style model
  std::vector<std::string> inputs, dims;
  std::string output_dir;
  bool no_fuse = false;
  ir::Gpt2Config model;
  int repeat = 1;
  std::string devices = "cpu";
  int threads = 0;
  bool placement = false;
  bool strict = false;
  std::string placement_policy = "priority";
  std::vector<std::string> device_options;
  std::string builtin = "demo";
  bool timing_only = false;
  std::string npu_config, pim_config;
  ir::ModelSizes sizes;  // the size flags given (they override a built-in model's dims)
  std::string report, trace;
  std::string link = "pcie4-x16";
  std::string host = rt::kDefaultHost;
};

// Writes DIR/<name>.npy (check_flags made DIR).
void write_output(const std::string& dir, const std::string& name, const Tensor& t) {
  const std::string path = (std::filesystem::path(dir) / (name + ".npy")).string();
  rt::write_npy(path, t);
  fmt::print("  wrote {}\n", path);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

rt::SessionOptions session_options(const RunOptions& o) {
  rt::SessionOptions s;
  s.devices = rt::split_list(o.devices);
  s.strict = o.strict;
  s.placement_policy = ir::parse_placement_policy(o.placement_policy);
  if (o.threads > 0) s.device_options["cpu"] = fmt::format("threads={}", o.threads);
  const auto add = [&](const std::string& device, const std::string& kv) {
    std::string& opts = s.device_options[device];
    opts += (opts.empty() ? "" : ";") + kv;
  };
  // nuri run's report and trace come from the per-op records; the npu's own per-instruction
  // trace (a JSON span per instruction, millions on Llama) would be built and never written.
  // A later --device-option npu:trace=1 still wins.
  add("npu", "trace=0");
  if (!o.npu_config.empty()) add("npu", "config=" + o.npu_config);
  if (!o.pim_config.empty()) add("pim", "config=" + o.pim_config);
  s.timing_only = o.timing_only;
  if (o.timing_only) {
    add("npu", "timing_only=1");
    add("pim", "timing_only=1");
  }
  for (const std::string& kv : o.device_options) {  // DEVICE:key=value
    rt::add_device_option(s, kv);                   // format and registered device checked there
    const std::string device = kv.substr(0, kv.find(':'));
    const bool used = std::find(s.devices.begin(), s.devices.end(), device) != s.devices.end() ||
                      (!s.strict && device == s.fallback_device);
    if (!used)
      throw Error(
          fmt::format("--device-option '{}': '{}' is not among the devices used (--device "
                      "{}{})",
                      kv, device, o.devices, s.strict ? ", --strict" : ""));
  }
  return s;
}

void print_placement(const rt::Session& session, bool full) {
  std::vector<std::string> used;
  for (const std::string& d : session.devices_used()) {
    size_t nodes = 0;
    for (size_t id = 0; id < session.graph().nodes().size(); ++id)
      if (session.devices()[session.plan().target_of_node[id]]->name() == d) ++nodes;
    used.push_back(fmt::format("{} ({} nodes)", d, nodes));
  }
  fmt::print("devices: {}; {} partitions, {} cross-device transfers\n", fmt::join(used, ", "),
             session.plan().partitions.size(), session.plan().transfers);
  if (full) fmt::print("{}", session.placement_report());
}

// The last run on the simulated timeline: a line per device and link, the total, and the one
// report and trace asked for. Printed when a simulator took part or a report was asked.
void print_timeline(rt::Session& session, const RunOptions& o) {
  bool simulated = false;
  for (size_t p = 0; p < session.partition_count(); ++p)
    simulated |= session.partition_device(p).properties().simulated != 0;
  if (!simulated && o.report.empty() && o.trace.empty()) return;
  const rt::RunTimeline run =
      rt::session_timeline(session, rt::parse_link(o.link), rt::parse_host(o.host));
  const double total = run.timeline.end_ns_total;
  for (const rt::DeviceUse& u : rt::device_use(session, run)) {
    if (u.partitions == 0) continue;
    const bool sim = u.timed_by == "simulator";
    fmt::print("{} {}: {} partitions, busy {:.3f} ms ({:.1f}%), {:.2f} MiB {}, {:.3f} mJ\n",
               sim ? "simulated on" : "host model for", u.name, u.partitions, u.busy_ns / 1e6,
               total > 0 ? 100 * u.busy_ns / total : 0.0, u.bytes / 1048576.0,
               sim ? "off-chip" : "compulsory", u.energy_joules * 1e3);
  }
  for (const auto& [name, use] : run.timeline.links)
    fmt::print("link {} ({}): {} transfers, {:.2f} KiB, busy {:.3f} ms\n", name, run.link.name,
               use.transfers, use.bytes / 1024.0, use.busy_ns / 1e6);
  fmt::print("total simulated time: {:.3f} ms\n", total / 1e6);
  if (o.report.empty() && o.trace.empty()) return;
  const std::vector<rt::OpSpan> ops = rt::timeline_ops(session, run);
  if (!o.report.empty()) {
    write_file(o.report, rt::timeline_report(session, run, ops).dump(1) + "\n");
    fmt::print("wrote {}\n", o.report);
  }
  if (!o.trace.empty()) {
    sim::ChromeTrace trace;
    rt::add_timeline_trace(trace, run, ops, 0);
    trace.write(o.trace);
    fmt::print("wrote {}\n", o.trace);
  }
}

// Runs `repeat` times; prints per-partition simulated figures, reports and the timing line.
std::vector<Tensor> run_timed(rt::Session& session, const std::vector<Tensor>& inputs,
                              const RunOptions& o, double build_ms, double compile_ms) {
  std::vector<Tensor> outputs;
  std::vector<double> run_ms;
  for (int i = 0; i < std::max(o.repeat, 1); ++i) {
    const auto t_run = std::chrono::steady_clock::now();
    outputs = session.run(inputs);
    run_ms.push_back(ms_since(t_run));
  }
  std::sort(run_ms.begin(), run_ms.end());
  print_timeline(session, o);
  fmt::print(
      "time: build {:.2f} ms, compile {:.2f} ms, run median {:.2f} ms (min {:.2f}, max "
      "{:.2f}, {} runs)\n",
      build_ms, compile_ms, run_ms[run_ms.size() / 2], run_ms.front(), run_ms.back(),
      run_ms.size());
  return outputs;
}

void run_builtin(const RunOptions& o) {
  const auto t_build = std::chrono::steady_clock::now();
  ir::BuiltinModel m = ir::build_builtin_model(o.builtin, o.sizes, o.model.seed, !o.timing_only);
  const double build_ms = ms_since(t_build);
  fmt::print("model: built-in {} ({}, {} tokens, {:.2f} M parameters{}, {} nodes)\n",
             m.graph.name(), o.builtin, m.seq, static_cast<double>(m.graph.parameter_count()) / 1e6,
             o.timing_only ? " without weights: timing only" : "", m.graph.nodes().size());
  const auto t_compile = std::chrono::steady_clock::now();
  rt::Session session(std::move(m.graph), session_options(o));
  const double compile_ms = ms_since(t_compile);
  print_placement(session, o.placement);

  const std::vector<Tensor> inputs{m.ids};  // ids i64[1, seq] in [0, vocab)
  const auto* ids = inputs[0].data_as<int64_t>();
  fmt::print("input ids (seed {}): [{}]\n", o.model.seed, fmt::join(ids, ids + m.seq, ", "));
  const std::vector<Tensor> outputs = run_timed(session, inputs, o, build_ms, compile_ms);
  const Tensor& logits = outputs.front();
  if (o.timing_only) {
    fmt::print("timing only: outputs were not computed\n");
    return;
  }
  if (m.has_logits) {
    const std::vector<int64_t> next = argmax_last(logits);
    fmt::print("next-token ids (argmax at each position): [{}]\n", fmt::join(next, ", "));
    fmt::print("next token after the sequence: {}\n", next.back());
  }
  fmt::print("{} {}{}: {}\n", m.has_logits ? "logits" : "hidden states", dtype_name(logits.dtype()),
             shape_str(logits.shape()), format_checksum(checksum(logits)));
  if (!o.output_dir.empty())
    for (size_t i = 0; i < outputs.size(); ++i)
      write_output(o.output_dir, session.graph().value(session.graph().outputs()[i]).name,
                   outputs[i]);
}

void run_onnx(const RunOptions& o) {
  const auto t_build = std::chrono::steady_clock::now();
  onnx::OnnxModel model = rt::load_model(o.model_path);
  rt::ModelInputs in = rt::build_inputs(model, rt::parse_input_args(o.inputs),
                                        rt::parse_dim_args(o.dims), o.model.seed, !o.timing_only);
  for (const std::string& note : in.notes) fmt::print(stderr, "note: {}\n", note);
  const double build_ms = ms_since(t_build);
  fmt::print("model: {} (opset {}, producer {})\n", o.model_path, model.opset(),
             model.producer().empty() ? "?" : model.producer());
  const std::vector<std::string> names = model.outputs();
  const auto t_compile = std::chrono::steady_clock::now();
  rt::ModelSession runner(std::move(model), session_options(o), {.fuse = !o.no_fuse});
  rt::Session& session = runner.session_for(in.tensors);
  const double compile_ms = ms_since(t_compile);
  fmt::print("graph: {} nodes after import{}\n", session.graph().nodes().size(),
             o.no_fuse ? "" : " and fusion");
  print_placement(session, o.placement);
  const std::vector<Tensor> outputs = run_timed(session, in.tensors, o, build_ms, compile_ms);
  if (o.timing_only) {
    fmt::print("timing only: outputs were not computed\n");
    return;
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = outputs[i];
    fmt::print("output {}: {}{} {}\n", names[i], dtype_name(t.dtype()), shape_str(t.shape()),
               format_checksum(checksum(t)));
    if (is_float(t.dtype()) && t.rank() == 3 && names[i].find("logits") != std::string::npos)
      fmt::print("  next-token ids (argmax at each position): [{}]\n",
                 fmt::join(argmax_last(t), ", "));
    if (!o.output_dir.empty()) write_output(o.output_dir, names[i], t);
  }
}

// Flags that only mean something for one kind of model are refused for the other; the output
// folder is made before any work, so a bad path fails at once.
void check_flags(const RunOptions& o) {
  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    if (ec)
      throw Error(
          fmt::format("--output {}: cannot create the folder: {}", o.output_dir, ec.message()));
  }
  if (!o.model_path.empty()) return;
  if (!o.inputs.empty())
    throw Error(
        fmt::format("--input {}: inputs are given to ONNX models only; the built-in "
                    "model's token ids come from --seed and --seq",
                    o.inputs.front()));
  if (!o.dims.empty())
    throw Error(
        fmt::format("--dim {}: dims are given to ONNX models only; size the built-in "
                    "model with --seq, --layers, --d-model, --heads, --vocab",
                    o.dims.front()));
  if (!o.output_dir.empty() && o.timing_only)
    throw Error(
        fmt::format("--output {}: with --timing-only no outputs are computed", o.output_dir));
}

void run(const RunOptions& o) {
  check_flags(o);
  if (o.model_path.empty())
    run_builtin(o);
  else
    run_onnx(o);
}

}  // namespace

void register_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "compile and run a model (default: the built-in GPT-2-style model) and print "
      "next-token ids, a logits checksum, the devices used and the time taken");
  cmd->add_option("model", o->model_path, "an .onnx file (default: the built-in model)");
  cmd->add_option("--input", o->inputs, "NAME=FILE.npy for a model input (repeatable)");
  cmd->add_option("--dim", o->dims, "NAME=SIZE for a symbolic dimension of generated inputs");
  cmd->add_option("--output", o->output_dir, "write each output as DIR/<output name>.npy");
  cmd->add_flag("--no-fuse", o->no_fuse, "import without the fusion passes");
  add_builtin_model_options(*cmd, o->model);
  cmd->add_option("--builtin", o->builtin,
                  "built-in model when no file is given: demo, gpt2-small, bert-base, llama2-7b")
      ->capture_default_str();
  cmd->add_flag("--timing-only", o->timing_only,
                "simulators skip the numerics; built-in models get no weights");
  cmd->add_option("--npu-config", o->npu_config,
                  "npu preset (tpu-v1, atom-like, rngd-like) or JSON file");
  cmd->add_option("--pim-config", o->pim_config,
                  "pim preset (HBM-PIM, HBM-PIM-PIMSim, AiM, AttAcc-bank, AttAcc-BG, "
                  "AttAcc-buffer) or JSON file");
  cmd->add_option("--repeat", o->repeat, "runs after compiling once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--device", o->devices, "devices in priority order, e.g. npu,cpu")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "cpu device threads (0 = physical cores)")
      ->check(CLI::Range(0, cpu::ThreadPool::max_threads()));
  cmd->add_flag("--placement", o->placement, "print which node ran where, and why");
  cmd->add_flag("--strict", o->strict, "fail instead of falling back to another device");
  cmd->add_option("--placement-policy", o->placement_policy,
                  "priority: the order of --device decides (default); cost: the cheapest "
                  "estimate, transfers charged")
      ->check(CLI::IsMember({"priority", "cost"}));
  cmd->add_option("--device-option", o->device_options, "DEVICE:key=value passed to a device");
  cmd->add_option("--report", o->report,
                  "write the run's report (JSON: totals, devices, ops, transfers) to FILE");
  cmd->add_option("--trace", o->trace,
                  "write the run's Chrome trace (a track per device and link) to FILE");
  cmd->add_option("--link", o->link,
                  "link between memories: pcie4-x16, pcie5-x16, cxl2-x16, c2c or a JSON object "
                  "{\"bandwidth_gbps\":..,\"latency_ns\":..} or file")
      ->capture_default_str();
  cmd->add_option("--host", o->host,
                  "the roofline costing partitions on non-simulated devices on the timeline: "
                  "server-16c, desktop-8c, or {\"gflops\":..,\"bandwidth_gbps\":..} or file")
      ->capture_default_str();
  cmd->callback([o, cmd] {
    o->sizes = given_model_sizes(*cmd, o->model);
    if (!o->model_path.empty()) reject_model_sizes(*cmd, "an ONNX model file");
    // Refuse a bad link or host before any work rather than after the run.
    rt::parse_link(o->link);
    rt::parse_host(o->host);
    run(*o);
  });
}

}  // namespace nuri::cli
