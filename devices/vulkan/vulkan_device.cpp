#include "devices/vulkan/vulkan_device.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "compiler/abi/graph_desc.h"
#include "devices/vulkan/vulkan_plan.h"
#include "devices/vulkan/vulkan_program.h"
#include "kernels/vulkan/peaks.h"
#include "nuri/device_sdk.hpp"

namespace nuri::vulkan {
namespace {

class VulkanExecutable : public sdk::HostExecutable {
 public:
  VulkanExecutable(std::shared_ptr<kernels::vk::Context> context, ir::Graph graph,
                   const ProgramOptions& options)
      : program_(std::move(context), std::move(graph), options) {}

  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
    const ir::Graph& g = program_.graph();
    std::vector<const void*> in;
    std::vector<void*> out;
    for (size_t i = 0; i < inputs.size() && i < g.inputs().size(); ++i) {
      if (inputs[i]->size() < g.value(g.inputs()[i]).type.nbytes())
        throw Error("vulkan: input buffer " + std::to_string(i) + " is too small");
      in.push_back(inputs[i]->data());
    }
    for (size_t i = 0; i < outputs.size() && i < g.outputs().size(); ++i) {
      if (outputs[i]->size() < g.value(g.outputs()[i]).type.nbytes())
        throw Error("vulkan: output buffer " + std::to_string(i) + " is too small");
      out.push_back(outputs[i]->data());
    }
    if (in.size() != inputs.size() || out.size() != outputs.size())
      throw Error("vulkan: wrong number of buffers for partition '" + g.name() + "'");
    const auto t0 = std::chrono::steady_clock::now();
    program_.run(in, out);
    stats_.elapsed_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    ++stats_.executions;
  }
  nuri_exec_stats stats() const override { return stats_; }

  // The last run's breakdown: host copies, and each dispatch by GPU timestamps.
  void write_report(const char* report_path, const char* /*trace_path*/) override {
    if (!report_path) return;
    const RunProfile p = program_.profile();
    nlohmann::json j;
    j["device"] = "vulkan";
    j["partition"] = program_.graph().name();
    j["runs"] = stats_.executions;
    j["upload_ms"] = p.upload_ns / 1e6;
    j["submit_wait_ms"] = p.submit_wait_ns / 1e6;
    j["download_ms"] = p.download_ns / 1e6;
    for (size_t i = 0; i < p.labels.size(); ++i)
      j["dispatches"].push_back({{"dispatch", p.labels[i]},
                                 {"ms", i < p.dispatch_ns.size() ? p.dispatch_ns[i] / 1e6 : -1}});
    std::ofstream out(report_path);
    if (!out) throw Error(std::string("vulkan: cannot write '") + report_path + "'");
    out << j.dump(1) << "\n";
  }

 private:
  VulkanProgram program_;
  nuri_exec_stats stats_{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
};

class VulkanDevice : public sdk::HostDevice {
 public:
  VulkanDevice(std::shared_ptr<kernels::vk::Context> context, const ProgramOptions& options)
      : HostDevice(context->memory_heap_bytes()),
        context_(std::move(context)),
        options_(options),
        peaks_(kernels::vk::measured_peaks(context_)),
        description_("Vulkan compute on " + context_->driver() + " (API " +
                     std::to_string(VK_API_VERSION_MAJOR(context_->properties().apiVersion)) + "." +
                     std::to_string(VK_API_VERSION_MINOR(context_->properties().apiVersion)) +
                     ")") {}

  void properties(nuri_device_properties* p) override {
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "vulkan";
    p->description = description_.c_str();
    p->kind = NURI_DEVICE_KIND_GPU;
    p->memory_bytes = context_->memory_heap_bytes();
    // Half types compute in f32 (widened and rounded back): the f32 peak.
    for (nuri_dtype t : {NURI_DTYPE_F32, NURI_DTYPE_F16, NURI_DTYPE_BF16})
      p->peak_ops_per_s[t] = peaks_.f32_flops_per_s;
    p->memory_bandwidth_bytes_per_s = peaks_.bytes_per_s;
    // f32 compute (f16/bf16 widened to f32 and rounded back); i32/i64/bool move through
    // reshapes, copies, gathers, casts and comparisons.
    p->dtype_mask = (1u << NURI_DTYPE_F32) | (1u << NURI_DTYPE_F16) | (1u << NURI_DTYPE_BF16) |
                    (1u << NURI_DTYPE_I32) | (1u << NURI_DTYPE_I64) | (1u << NURI_DTYPE_BOOL);
    p->f32_compute_dtype = NURI_DTYPE_F32;
  }
  // Claims exactly the nodes the planner lowers: a node is supported when it plans.
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    ir::check_node_desc(graph, node);
    try {
      plan_graph(ir::node_graph_from_desc(graph, node));
      return true;
    } catch (const Error& e) {
      if (e.status() == NURI_ERROR_UNSUPPORTED) return false;
      throw;
    }
  }
  // The planner's own words for what it cannot lower.
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    try {
      plan_graph(ir::node_graph_from_desc(graph, node));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    return std::make_unique<VulkanExecutable>(context_, ir::graph_from_desc(partition), options_);
  }

 private:
  std::shared_ptr<kernels::vk::Context> context_;
  ProgramOptions options_;
  kernels::vk::Peaks peaks_;
  std::string description_;
};

sdk::HostDevice* create_vulkan(const char* options) {
  const auto opts = sdk::parse_options(
      options, "vulkan", {"device", "validation", "staging", "gemm", "storage_binding_bytes"});
  kernels::vk::ContextOptions co;
  co.device_index = static_cast<int>(sdk::option_int(opts, "device", -1, "vulkan"));
  co.validation = sdk::option_flag(opts, "validation", false, "vulkan");
  ProgramOptions po;
  po.force_staging = sdk::option_flag(opts, "staging", false, "vulkan");
  const long long binding = sdk::option_int(opts, "storage_binding_bytes", 0, "vulkan");
  if (binding < 0)
    throw Error(
        "vulkan: option storage_binding_bytes=" + std::to_string(binding) + " must not be negative",
        NURI_ERROR_INVALID_ARGUMENT);
  po.storage_binding_bytes = static_cast<uint64_t>(binding);
  if (auto it = opts.find("gemm"); it != opts.end()) {
    if (it->second != "tiled" && it->second != "blocked")
      throw Error("vulkan: option gemm='" + it->second + "': expected tiled or blocked",
                  NURI_ERROR_INVALID_ARGUMENT);
    po.blocked_gemm = it->second == "blocked" ? 1 : 0;
  }
  return new VulkanDevice(kernels::vk::Context::get(co), po);
}

}  // namespace

const nuri_device_api* vulkan_device_api() {
  return sdk::host_device_api<create_vulkan>("vulkan");
}

}  // namespace nuri::vulkan
