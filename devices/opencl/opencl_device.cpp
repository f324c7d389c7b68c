#include "devices/opencl/opencl_device.h"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
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

  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
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
    const auto t0 = std::chrono::steady_clock::now();
    program_.run(in, out);
    stats_.elapsed_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    stats_.bytes_moved = program_.bytes_moved_per_run();
    ++stats_.executions;
  }
  nuri_exec_stats stats() const override { return stats_; }

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
  nuri_exec_stats stats_{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
};

class OpenClDevice : public sdk::HostDevice {
 public:
  OpenClDevice(std::shared_ptr<ClContext> ctx, ProgramCacheOptions cache, GemmKernel gemm)
      : HostDevice(ctx->global_mem_bytes),
        ctx_(std::move(ctx)),
        cache_(std::move(cache)),
        gemm_(gemm) {
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

const nuri_device_api* opencl_device_api() {
  return sdk::host_device_api<create_opencl>("opencl");
}

}  // namespace nuri::opencl
