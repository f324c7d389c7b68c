#include "devices/npu/npu_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/op_work.h"
#include "devices/npu/codegen.h"
#include "nuri/device_sdk.hpp"
#include "simulator/dram/dram_memory_timing.h"

namespace nuri::npu {
namespace {

struct NpuOptions {
  std::string config = "rngd-like";
  bool timing_only = false;
  bool trace = true;
  // Off-chip memory model: empty = the config's bandwidth/latency model; else a DRAM preset
  // (HBM2, HBM3, GDDR6, LPDDR5) served by the command-level DRAM model (simulator/dram).
  std::string dram;
};

NpuOptions parse_options(const char* text) {
  const auto opts = sdk::parse_options(text, "npu", {"config", "timing_only", "trace", "dram"});
  NpuOptions o;
  if (auto it = opts.find("config"); it != opts.end()) o.config = it->second;
  if (auto it = opts.find("dram"); it != opts.end()) o.dram = it->second;
  o.timing_only = sdk::option_flag(opts, "timing_only", o.timing_only, "npu");
  o.trace = sdk::option_flag(opts, "trace", o.trace, "npu");
  return o;
}

std::shared_ptr<nuri::sim::MemoryTiming> memory_model(const NpuOptions& opt) {
  if (opt.dram.empty()) return nullptr;  // the simulator builds the config's simple model
  try {
    return std::make_shared<nuri::sim::dram::DramMemoryTiming>(
        nuri::sim::dram::DramConfig::preset(opt.dram));
  } catch (const Error& e) {
    throw Error(fmt::format("npu: option dram={}: {}", opt.dram, e.what()), e.status());
  }
}

sim::NpuConfig load(const std::string& name) {
  try {
    return sim::load_config(name);
  } catch (const Error& e) {
    throw Error(fmt::format("npu: option config={}: {}", name, e.what()), e.status());
  }
}

class NpuExecutable : public sdk::HostExecutable {
 public:
  NpuExecutable(const sim::NpuConfig& cfg, const NpuOptions& opt, const ir::Graph& g,
                SharedGemmPlans& shared)
      : cfg_(cfg),
        opt_(opt),
        sim_(cfg, sim::SimOptions{!opt.timing_only, opt.trace}, memory_model(opt)),
        name_(g.name()) {
    if (!opt.timing_only) {
      program_ = generate_program(g, cfg_, &sim_, {.shared = &shared});
      return;
    }
    // Timing only: no programs held. Compile lowers once (checks, bindings, GEMM plans) with
    // every step dropped as made; each execute emits the same steps again at the same addresses
    // with the same plans, simulating each before the next is made. Llama-2-7B's programs took
    // hundreds of MB; the re-emission costs little next to simulating them.
    graph_ = g;
    // Timing only reads no weights (only integer constants, e.g. fixed Embedding ids, place
    // anything), so the graph held for re-emission keeps none.
    for (size_t v = 0; v < graph_.values().size(); ++v) {
      ir::Value& val = graph_.mutable_value(static_cast<ir::ValueId>(v));
      if (val.kind == ir::ValueKind::Constant && is_float(val.type.dtype)) val.data.reset();
    }
    layout_ = plan_activation_layout(graph_, cfg_);
    const StepSink drop = [](Step&&) {};
    program_ = generate_program(graph_, cfg_, nullptr, {&layout_, &plans_, &drop, &shared});
  }

  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
    if (inputs.size() != program_.inputs.size() || outputs.size() != program_.outputs.size())
      throw Error(fmt::format("npu: partition '{}' takes {} inputs and {} outputs, got {} and {}",
                              name_, program_.inputs.size(), program_.outputs.size(), inputs.size(),
                              outputs.size()));
    const bool func = !opt_.timing_only;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const IoBinding& b = program_.inputs[i];
      if (inputs[i]->size() < b.type.nbytes())
        throw Error(fmt::format("npu: input buffer {} of '{}' is too small", i, name_));
      if (b.host_only || !func) continue;
      write(b, inputs[i]->data());
    }
    sim_.reset();
    if (func) {
      for (const Step& st : program_.steps) run_step(st, inputs);
    } else {
      const StepSink simulate = [&](Step&& st) { run_step(st, inputs); };
      generate_program(graph_, cfg_, nullptr, {&layout_, &plans_, &simulate});
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      const IoBinding& b = program_.outputs[i];
      if (outputs[i]->size() < b.type.nbytes())
        throw Error(fmt::format("npu: output buffer {} of '{}' is too small", i, name_));
      // Timing only: no numbers, and the buffer is left untouched (a fresh one reads as zeros;
      // writing zeros would make a KV cache's gigabytes resident).
      if (func) read(b, outputs[i]->data());
    }
    const sim::CoreStats t = sim_.total_stats();
    stats_.cycles = sim_.now_cycles();
    stats_.clock_hz = cfg_.clock_mhz * 1e6;
    stats_.elapsed_ns = sim_.now_ns();
    stats_.bytes_moved = t.dram_read_bytes + t.dram_write_bytes;
    stats_.energy_joules = sim_.energy().total();
    ++stats_.executions;
  }

  nuri_exec_stats stats() const override { return stats_; }

  void write_report(const char* report_path, const char* trace_path) override {
    if (report_path) {
      nlohmann::json j = sim_.report();
      j["device"] = "npu";
      j["partition"] = name_;
      j["config"] = cfg_.name;
      j["timing_only"] = opt_.timing_only;
      j["cycles"] = stats_.cycles;
      j["clock_hz"] = stats_.clock_hz;
      j["elapsed_ns"] = stats_.elapsed_ns;
      j["bytes_moved"] = stats_.bytes_moved;
      j["energy_joules"] = stats_.energy_joules;
      j["dram_bytes_used"] = program_.dram_bytes;
      j["weight_bytes"] = program_.weight_bytes;
      std::ofstream f(report_path);
      if (!f) throw Error(fmt::format("npu: cannot write report '{}'", report_path));
      f << j.dump(2) << "\n";
      if (!f) throw Error(fmt::format("npu: failed writing report '{}'", report_path));
    }
    if (trace_path) {
      if (!opt_.trace)
        throw Error("npu: no trace recorded (device created with trace=0)", NURI_ERROR_UNSUPPORTED);
      sim_.trace().write(trace_path);
    }
  }

  const NpuProgram& program() const { return program_; }

 private:
  void run_step(const Step& st, std::span<sdk::HostBuffer* const> inputs) {
    if (!st.gather) {
      sim_.run(st.programs, st.label);
      return;
    }
    const GatherStep& g = *st.gather;
    const IoBinding& b = program_.inputs[static_cast<size_t>(g.input_index)];
    std::vector<int64_t> ids(static_cast<size_t>(b.type.numel()));
    // A virtual buffer (timing only, no ids given) reads as zeros, as a fresh one does.
    const std::byte* p = inputs[static_cast<size_t>(g.input_index)]->data();
    for (size_t k = 0; p && k < ids.size(); ++k) {
      if (b.type.dtype == nuri::DType::I64) {
        std::memcpy(&ids[k], p + k * 8, 8);
      } else {
        int32_t v;
        std::memcpy(&v, p + k * 4, 4);
        ids[k] = v;
      }
    }
    sim_.run(emit_gather(cfg_, g, ids, st.label), st.label);
  }

  void write(const IoBinding& b, const std::byte* src) {
    const uint64_t n = static_cast<uint64_t>(b.type.numel());
    if (b.type.dtype == nuri::DType::Bool) {  // an attention mask, made additive (0 / -inf)
      std::vector<float> f(n);
      for (uint64_t i = 0; i < n; ++i)
        f[i] = src[i] != std::byte{0} ? 0.0f : -std::numeric_limits<float>::infinity();
      sim_.write_values(b.view.addr, f.data(), n, sim::DType::BF16);
    } else if (b.type.dtype == nuri::DType::F32)
      sim_.write_values(b.view.addr, reinterpret_cast<const float*>(src), n, sim::DType::BF16);
    else
      sim_.write_dram(b.view.addr, src, n * 2);
  }
  void read(const IoBinding& b, std::byte* dst) {
    const uint64_t n = static_cast<uint64_t>(b.type.numel());
    if (b.type.dtype == nuri::DType::F32)  // widened from the view's dtype (bf16 or f32)
      sim_.read_values(b.view.addr, reinterpret_cast<float*>(dst), n, b.view.dtype);
    else
      sim_.read_dram(b.view.addr, dst, n * 2);
  }

  sim::NpuConfig cfg_;
  NpuOptions opt_;
  sim::Simulator sim_;
  std::string name_;
  NpuProgram program_;  // timing only: bindings and sizes, no steps
  // Timing only: what each execute emits the steps from.
  ir::Graph graph_;
  ActivationLayout layout_;
  GemmPlans plans_;
  nuri_exec_stats stats_{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
};

class NpuDevice : public sdk::HostDevice {
 public:
  NpuDevice(const NpuOptions& opt, const sim::NpuConfig& cfg)
      : HostDevice(cfg.memory.capacity_bytes), opt_(opt), cfg_(cfg) {
    description_ = fmt::format(
        "simulated NPU '{}' ({} cores, {}x{} array at {} MHz){}; f32 graphs computed in bf16",
        cfg_.name, cfg_.cores, cfg_.array.rows, cfg_.array.cols, cfg_.clock_mhz,
        opt_.timing_only ? ", timing only" : "");
  }

  void properties(nuri_device_properties* p) override {
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "npu";
    p->description = description_.c_str();
    p->kind = NURI_DEVICE_KIND_NPU;
    p->memory_bytes = cfg_.memory.capacity_bytes;
    const double peak =
        2.0 * static_cast<double>(cfg_.peak_macs_per_cycle()) * cfg_.clock_mhz * 1e6;
    p->peak_ops_per_s[NURI_DTYPE_BF16] = peak;
    p->peak_ops_per_s[NURI_DTYPE_F32] = peak;  // computed in bf16
    p->memory_bandwidth_bytes_per_s = cfg_.memory.aggregate_gbps() * 1e9;
    p->dtype_mask = (1u << NURI_DTYPE_F32) | (1u << NURI_DTYPE_BF16);
    p->simulated = 1;
    p->f32_compute_dtype = NURI_DTYPE_BF16;  // f32 graphs run on the bf16 datapath
  }

  bool only_times() const override { return opt_.timing_only; }
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    return decline_reason(graph, node).empty();
  }
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    return unsupported_reason(graph, node, cfg_, !opt_.timing_only);
  }

  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    const ir::Graph g = ir::graph_from_desc(partition);
    return std::make_unique<NpuExecutable>(cfg_, opt_, g, plans_);
  }

  // Roofline: max(MACs / peak MACs per second, bf16 bytes / bandwidth).
  double estimate_cost(const nuri_graph_desc* graph, size_t node) override {
    if (!decline_reason(graph, node).empty()) return -1;
    const ir::Graph g = ir::node_graph_from_desc(graph, node);
    const ir::Node& n = g.nodes().front();
    const double macs_per_s =
        static_cast<double>(cfg_.peak_macs_per_cycle()) * cfg_.clock_mhz * 1e6;
    const double bw = cfg_.memory.aggregate_gbps() * 1e9;
    double bytes = 0;
    for (ir::ValueId v : n.inputs)
      if (v != ir::kNoValue) bytes += 2.0 * static_cast<double>(g.value(v).type.numel());
    for (ir::ValueId v : n.outputs) bytes += 2.0 * static_cast<double>(g.value(v).type.numel());
    switch (n.op) {
      case ir::OpKind::Reshape:
      case ir::OpKind::Squeeze:
      case ir::OpKind::Unsqueeze:
      case ir::OpKind::Transpose:
      case ir::OpKind::Split:
        return 0;  // views
      default:
        break;
    }
    // The op's work from the one count `nuri inspect` uses; 2 flops per MAC.
    const double macs = ir::node_flops(g, n) / 2.0;
    return std::max(macs / macs_per_s, bytes / bw);
  }

 private:
  NpuOptions opt_;
  sim::NpuConfig cfg_;
  std::string description_;
  SharedGemmPlans plans_;  // searched once per spec for all this device's compiles
};

sdk::HostDevice* create_npu(const char* options) {
  const NpuOptions o = parse_options(options);
  memory_model(o);  // an unknown DRAM preset fails here, at create, not at the first compile
  return new NpuDevice(o, load(o.config));
}

}  // namespace

const nuri_device_api* npu_device_api() {
  return sdk::host_device_api<create_npu>("npu");
}

}  // namespace nuri::npu
