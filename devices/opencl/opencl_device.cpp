#include "devices/opencl/opencl_device.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
#include "devices/opencl/cl_peaks.h"
#include "devices/opencl/kernel_library.h"
#include "devices/opencl/opencl_program.h"
#include "devices/opencl/opencl_supports.h"
#include "nuri/device_sdk.hpp"

namespace nuri::opencl {
namespace {

class OpenClExecutable : public sdk::HostExecutable {
 public:
  OpenClExecutable(ir::Graph graph, std::shared_ptr<const KernelLibrary> lib)
      : program_(std::move(graph), std::move(lib)) {}

  // Validates the buffers and enqueues a run without waiting for it.
  std::unique_ptr<PendingRun> enqueue(std::span<sdk::HostBuffer* const> inputs,
                                      std::span<sdk::HostBuffer* const> outputs) {
    const ir::Graph& g = program_.graph();
    if (inputs.size() != g.inputs().size() || outputs.size() != g.outputs().size())
      throw Error("opencl: wrong number of buffers for partition '" + g.name() + "'");
    std::vector<const void*> in;
    std::vector<void*> out;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i]->size() < g.value(g.inputs()[i]).type.nbytes())
        throw Error("opencl: input buffer " + std::to_string(i) + " is too small");
      in.push_back(inputs[i]->data());
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i]->size() < g.value(g.outputs()[i]).type.nbytes())
        throw Error("opencl: output buffer " + std::to_string(i) + " is too small");
      out.push_back(outputs[i]->data());
    }
    auto run = program_.enqueue(in, out);
    ++executions_;
    return run;
  }
  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
    enqueue(inputs, outputs)->wait();
  }
  nuri_exec_stats stats() const override {
    nuri_exec_stats s{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
    s.executions = executions_;
    s.elapsed_ns = program_.profile().last_run_ns;
    s.bytes_moved = program_.bytes_moved_per_run();
    return s;
  }

  // Where the time goes, from the CL events' profiling timestamps, per run.
  void write_report(const char* report_path, const char* /*trace_path*/) override {
    if (!report_path) return;
    const RunProfile& r = program_.profile();
    const double runs = static_cast<double>(std::max<uint64_t>(r.runs, 1));
    nlohmann::json j;
    j["device"] = "opencl";
    j["partition"] = program_.graph().name();
    j["runs"] = r.runs;
    j["ms_per_run"] = {{"write_inputs", r.write_ns * 1e-6 / runs},
                       {"kernels", r.kernel_ns * 1e-6 / runs},
                       {"read_outputs", r.read_ns * 1e-6 / runs}};
    for (const StepProfile& s : program_.steps())
      j["steps"].push_back({{"node", s.node},
                            {"op", s.op},
                            {"launches", s.launches},
                            {"ms_per_run", s.device_ns * 1e-6 / runs}});
    std::ofstream out(report_path);
    if (!out) throw Error(std::string("opencl: cannot write '") + report_path + "'");
    out << j.dump(1) << "\n";
  }

 private:
  OpenClProgram program_;
  uint64_t executions_ = 0;
};

class OpenClDevice : public sdk::HostDevice {
 public:
  OpenClDevice(std::shared_ptr<ClContext> ctx, ProgramCacheOptions cache, GemmKernel gemm)
      : HostDevice(ctx->global_mem_bytes),
        ctx_(std::move(ctx)),
        cache_(std::move(cache)),
        gemm_(gemm),
        peaks_(device_peaks(*ctx_)) {
    description_ = fmt::format("OpenCL: {} ({}, driver {})", ctx_->device_name,
                               ctx_->platform_version, ctx_->driver_version);
  }
  void properties(nuri_device_properties* p) override {
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "opencl";
    p->description = description_.c_str();
    p->kind = ctx_->is_gpu ? NURI_DEVICE_KIND_GPU : NURI_DEVICE_KIND_CPU;
    p->memory_bytes = ctx_->global_mem_bytes;
    p->peak_ops_per_s[NURI_DTYPE_F32] = peaks_.f32_flops_per_s;
    p->memory_bandwidth_bytes_per_s = peaks_.bytes_per_s;
    // Compute in f32; the integer and bool types appear as indices, masks and moved data.
    p->dtype_mask = (1u << NURI_DTYPE_F32) | (1u << NURI_DTYPE_I32) | (1u << NURI_DTYPE_I64) |
                    (1u << NURI_DTYPE_BOOL);
    p->f32_compute_dtype = NURI_DTYPE_F32;
  }
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    ir::check_node_desc(graph, node);
    const ir::Graph g = ir::node_graph_from_desc(graph, node);
    return unsupported_reason(g, g.nodes()[0]).empty();
  }
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    const ir::Graph g = ir::node_graph_from_desc(graph, node);
    return unsupported_reason(g, g.nodes()[0]);
  }
  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    ir::Graph g = ir::graph_from_desc(partition);
    for (const ir::Node& n : g.nodes())
      if (const std::string why = unsupported_reason(g, n); !why.empty())
        throw Error(fmt::format("opencl: node '{}' ({}): {}", n.name, ir::op_name(n.op), why),
                    NURI_ERROR_UNSUPPORTED);
    return std::make_unique<OpenClExecutable>(std::move(g), library());
  }

 private:
  // Built on first compile, so listing devices does not compile kernels.
  std::shared_ptr<const KernelLibrary> library() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!lib_) lib_ = std::make_shared<KernelLibrary>(ctx_, cache_, gemm_);
    return lib_;
  }

  std::shared_ptr<ClContext> ctx_;
  ProgramCacheOptions cache_;
  GemmKernel gemm_;
  ClPeaks peaks_;
  std::string description_;
  std::mutex mutex_;
  std::shared_ptr<const KernelLibrary> lib_;
};

sdk::HostDevice* create_opencl(const char* options) {
  const auto opts =
      sdk::parse_options(options, "opencl", {"platform", "device", "cache", "cache_dir", "gemm"});
  ClSelection sel;
  if (auto it = opts.find("platform"); it != opts.end()) sel.platform = it->second;
  if (auto it = opts.find("device"); it != opts.end()) sel.device = it->second;
  // The environment picks the driver when the options do not (e.g. for `nuri run`).
  if (const char* p = std::getenv("NURI_OPENCL_PLATFORM"); sel.platform.empty() && p)
    sel.platform = p;
  if (const char* d = std::getenv("NURI_OPENCL_DEVICE"); sel.device.empty() && d) sel.device = d;
  ProgramCacheOptions cache;
  cache.enabled = sdk::option_flag(opts, "cache", true, "opencl");
  if (auto it = opts.find("cache_dir"); it != opts.end()) cache.dir = it->second;
  GemmKernel gemm = GemmKernel::Auto;
  if (auto it = opts.find("gemm"); it != opts.end()) {
    if (it->second == "tiled")
      gemm = GemmKernel::Tiled;
    else if (it->second == "blocked")
      gemm = GemmKernel::Blocked;
    else if (it->second != "auto")
      throw Error("opencl: option gemm=" + it->second + ": expected auto, tiled or blocked");
  }
  return new OpenClDevice(open_cl_context(sel), std::move(cache), gemm);
}

}  // namespace

// The SDK's table, with the ABI's events backed by the runs' CL events: execute enqueues and
// returns, event_query asks the driver, event_wait waits and reports a failed command.
const nuri_device_api* opencl_device_api() {
  static const nuri_device_api api = [] {
    using sdk::guard;
    nuri_device_api a = *sdk::host_device_api<create_opencl>("opencl");
    a.executable_execute = [](nuri_device_impl*, nuri_execute_args* args, nuri_error* err) {
      return guard(err, [&] {
        auto* exe = dynamic_cast<OpenClExecutable*>(sdk::detail::exe(args->executable));
        if (!exe) throw Error("opencl: execute of an executable this device did not compile");
        std::vector<sdk::HostBuffer*> ins(args->num_inputs), outs(args->num_outputs);
        for (size_t i = 0; i < ins.size(); ++i) ins[i] = sdk::detail::buf(args->inputs[i]);
        for (size_t i = 0; i < outs.size(); ++i) outs[i] = sdk::detail::buf(args->outputs[i]);
        args->event = reinterpret_cast<nuri_event_impl*>(exe->enqueue(ins, outs).release());
      });
    };
    a.event_wait = [](nuri_device_impl*, nuri_event_impl* ev, nuri_error* err) {
      return guard(err, [&] { reinterpret_cast<PendingRun*>(ev)->wait(); });
    };
    // 0 for "not known complete" when the query itself fails: the runtime then waits, and the
    // wait reports the failure.
    a.event_query = [](nuri_device_impl*, nuri_event_impl* ev) -> int32_t {
      try {
        return reinterpret_cast<PendingRun*>(ev)->complete() ? 1 : 0;
      } catch (...) {
        return 0;
      }
    };
    a.event_release = [](nuri_device_impl*, nuri_event_impl* ev) {
      delete reinterpret_cast<PendingRun*>(ev);
    };
    return a;
  }();
  return &api;
}

}  // namespace nuri::opencl
