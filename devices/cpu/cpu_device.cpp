#include "devices/cpu/cpu_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

#include <oneapi/dnnl/dnnl.h>
#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/op_work.h"
#include "devices/cpu/cpu_program.h"
#include "devices/cpu/host_peaks.h"
#include "devices/cpu/thread_pool.h"
#include "nuri/device_sdk.hpp"

namespace nuri::cpu {
namespace {

class CpuExecutable : public sdk::HostExecutable {
 public:
  CpuExecutable(ir::Graph graph, const CpuOptions& options) : program_(std::move(graph), options) {
    const ir::Graph& g = program_.graph();
    for (ir::ValueId id : g.inputs()) input_bytes_.push_back(g.value(id).type.nbytes());
    for (ir::ValueId id : g.outputs()) output_bytes_.push_back(g.value(id).type.nbytes());
    in_.resize(input_bytes_.size());
    out_.resize(output_bytes_.size());
  }

  // The program reads and writes the device buffers in place: host memory is cpu memory.
  void execute(std::span<sdk::HostBuffer* const> in,
               std::span<sdk::HostBuffer* const> out) override {
    if (in.size() != in_.size() || out.size() != out_.size())
      throw Error("cpu: wrong number of buffers for partition '" + program_.graph().name() + "'");
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i]->size() < input_bytes_[i])
        throw Error(fmt::format("cpu: input {} of partition '{}': buffer of {} bytes, needs {}", i,
                                program_.graph().name(), in[i]->size(), input_bytes_[i]));
      in_[i] = in[i]->data();
    }
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i]->size() < output_bytes_[i])
        throw Error(fmt::format("cpu: output {} of partition '{}': buffer of {} bytes, needs {}", i,
                                program_.graph().name(), out[i]->size(), output_bytes_[i]));
      out_[i] = out[i]->data();
    }
    const auto t0 = std::chrono::steady_clock::now();
    program_.run(in_, out_);
    stats_.elapsed_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    ++stats_.executions;
  }
  nuri_exec_stats stats() const override { return stats_; }

  // With the profile option: seconds per step (summed over all runs) as JSON.
  void write_report(const char* report_path, const char* /*trace_path*/) override {
    if (!report_path) return;
    const std::vector<std::string> steps = program_.describe();
    const std::vector<double> seconds = program_.profile();
    if (seconds.empty())
      throw Error("cpu: no profile to report (create the device with profile=1)",
                  NURI_ERROR_UNSUPPORTED);
    nlohmann::json j;
    j["device"] = "cpu";
    j["partition"] = program_.graph().name();
    j["runs"] = stats_.executions;
    j["threads"] = program_.threads();
    for (size_t i = 0; i < steps.size(); ++i)
      j["steps"].push_back(
          {{"step", steps[i]},
           {"ms_per_run",
            i < seconds.size() && stats_.executions ? seconds[i] * 1e3 / stats_.executions : 0.0}});
    std::ofstream out(report_path);
    if (!out) throw Error(std::string("cpu: cannot write '") + report_path + "'");
    out << j.dump(1) << "\n";
  }

 private:
  CpuProgram program_;
  std::vector<size_t> input_bytes_, output_bytes_;
  std::vector<const void*> in_;
  std::vector<void*> out_;
  nuri_exec_stats stats_{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
};

constexpr std::initializer_list<const char*> kOptions = {
    "threads", "bf16", "int8", "gemv", "pin", "fuse", "profile", "peaks_cache", "pack_threads"};

class CpuDevice : public sdk::HostDevice {
 public:
  explicit CpuDevice(const char* options)
      : CpuDevice(sdk::parse_options(options, "cpu", kOptions)) {}
  explicit CpuDevice(const std::map<std::string, std::string>& opts)
      : CpuDevice(opts, sdk::option_flag(opts, "peaks_cache", true, "cpu")
                            ? host_peaks()
                            : measured_host_peaks()) {}
  CpuDevice(const std::map<std::string, std::string>& opts, const HostPeaks& peaks)
      : HostDevice(peaks.memory_bytes), peaks_(peaks) {
    const auto thread_count = [&](const char* key, long long fallback) {
      const long long n = sdk::option_int(opts, key, fallback, "cpu");
      if (n < 0 || n > cpu::ThreadPool::max_threads())
        throw Error(std::string("cpu: option '") + key + "' must be 0 (one per physical core) to " +
                    std::to_string(cpu::ThreadPool::max_threads()) + ", got " + std::to_string(n));
      return static_cast<int>(n);
    };
    options_.threads = thread_count("threads", 0);
    options_.pack_threads = thread_count("pack_threads", 1);
    options_.bf16 = sdk::option_int(opts, "bf16", 0, "cpu") != 0;
    options_.int8_weights = sdk::option_int(opts, "int8", 0, "cpu") != 0;
    options_.gemv = sdk::option_int(opts, "gemv", 1, "cpu") != 0;
    options_.pin_threads = sdk::option_int(opts, "pin", 1, "cpu") != 0;
    options_.fuse = sdk::option_int(opts, "fuse", 1, "cpu") != 0;
    options_.profile = sdk::option_int(opts, "profile", 0, "cpu") != 0;
    options_.streaming_store_bytes = static_cast<int64_t>(peaks.llc_bytes);
    description_ = std::string("host cpu: oneDNN matmuls, vectorized kernels") +
                   (options_.bf16 && cpu_has_bf16() ? ", bf16 matmuls" : "") +
                   (options_.int8_weights ? ", int8-weight decode matmuls" : "") + "; peaks " +
                   peaks.measured;
  }
  void properties(nuri_device_properties* p) override {
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "cpu";
    p->description = description_.c_str();
    p->kind = NURI_DEVICE_KIND_CPU;
    p->memory_bytes = capacity();  // asked of hwloc once, at create
    p->peak_ops_per_s[NURI_DTYPE_F32] = peaks_.f32_flops_per_s;
    p->memory_bandwidth_bytes_per_s = peaks_.bandwidth_bytes_per_s;
    p->dtype_mask = (1u << NURI_DTYPE_COUNT_) - 1;
    p->unaligned_constants = 1;  // packs weights from their bytes where the ONNX file has them
  }
  // Every IR op (what the fast kernels do not cover runs on the reference kernels), given its
  // constants' data.
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    ir::check_node_desc(graph, node);
    return ir::missing_constant_data(graph, node).empty();
  }
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    return ir::missing_constant_data(graph, node);
  }
  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    // Weights are packed into oneDNN's layout at compile: borrow them rather than copy them
    // (CpuProgram keeps copies of the constants its steps read at run time).
    return std::make_unique<CpuExecutable>(ir::graph_from_desc(partition, ir::ConstantData::Borrow),
                                           options_);
  }
  // Roofline from the measured peaks, on the op work `nuri inspect` counts.
  double estimate_cost(const nuri_graph_desc* graph, size_t node) override {
    const ir::Graph g = ir::node_graph_from_desc(graph, node);
    const ir::Node& n = g.nodes().front();
    if (ir::is_reshape_like(n.op)) return 0;  // views
    return std::max(ir::node_flops(g, n) / peaks_.f32_flops_per_s,
                    ir::node_min_bytes(g, n) / peaks_.bandwidth_bytes_per_s);
  }

 private:
  HostPeaks peaks_;
  CpuOptions options_;
  std::string description_;
};

sdk::HostDevice* create_cpu(const char* options) {
  return new CpuDevice(options);
}

}  // namespace

const nuri_device_api* cpu_device_api() {
  return sdk::host_device_api<create_cpu>("cpu");
}

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  const std::string hash = v->hash ? v->hash : "";
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + (hash.empty() || hash == "N/A" ? "" : " (" + hash + ")");
}

}  // namespace nuri::cpu
