#include "devices/pim/pim_device.h"

#include "compiler/abi/graph_desc.h"
#include "devices/pim/pim_program.h"
#include "nuri/device_sdk.hpp"

namespace nuri::pim {
namespace {

class PimExecutable : public sdk::HostExecutable {
 public:
  PimExecutable(ir::Graph graph, const PimDeviceOptions& opt) : program_(std::move(graph), opt) {}
  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
    const ir::Graph& g = program_.graph();
    if (inputs.size() != g.inputs().size() || outputs.size() != g.outputs().size())
      throw Error("pim: wrong number of buffers for partition '" + g.name() + "'");
    std::vector<const void*> in;
    std::vector<void*> out;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i]->size() < g.value(g.inputs()[i]).type.nbytes())
        throw Error("pim: input buffer " + std::to_string(i) + " ('" + g.value(g.inputs()[i]).name +
                    "') is too small");
      in.push_back(inputs[i]->data());
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i]->size() < g.value(g.outputs()[i]).type.nbytes())
        throw Error("pim: output buffer " + std::to_string(i) + " ('" +
                    g.value(g.outputs()[i]).name + "') is too small");
      out.push_back(outputs[i]->data());
    }
    program_.run(in, out);
  }
  nuri_exec_stats stats() const override { return program_.stats(); }
  void write_report(const char* report_path, const char* trace_path) override {
    program_.write_report(report_path, trace_path);
  }

 private:
  PimProgram program_;
};

class PimDevice : public sdk::HostDevice {
 public:
  explicit PimDevice(PimDeviceOptions opt)
      : HostDevice(opt.config.dram.org.capacity_bytes()), opt_(std::move(opt)) {
    const sim::pim::PimConfig& c = opt_.config;
    description_ = c.name + " PIM (" + std::to_string(c.units_total()) + " units x " +
                   std::to_string(c.lanes) + " lanes on " + c.dram.name + ", internal " +
                   std::to_string(int(c.internal_bytes_per_ns())) + " GB/s; simulated" +
                   (opt_.timing_only ? ", timing only" : "") + ")";
  }
  void properties(nuri_device_properties* p) override {
    const sim::pim::PimConfig& c = opt_.config;
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "pim";
    p->description = description_.c_str();
    p->kind = NURI_DEVICE_KIND_PIM;
    p->memory_bytes = c.dram.org.capacity_bytes();
    const auto dt = static_cast<nuri_dtype>(pim_dtype(c));
    p->peak_ops_per_s[dt] = c.peak_gflops() * 1e9;
    p->memory_bandwidth_bytes_per_s = c.dram.peak_bytes_per_ns() * 1e9;  // the external bus
    p->dtype_mask = 1u << dt;
    p->f32_compute_dtype = NURI_DTYPE_F32;
    if (opt_.accept_f32) {  // f32 nodes run on the units' datapath
      p->peak_ops_per_s[NURI_DTYPE_F32] = p->peak_ops_per_s[dt];
      p->dtype_mask |= 1u << NURI_DTYPE_F32;
      p->f32_compute_dtype = dt;
    }
    p->simulated = 1;
  }
  bool only_times() const override { return opt_.timing_only; }
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    return pim_unsupported_reason(opt_, graph, node).empty();
  }
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    return pim_unsupported_reason(opt_, graph, node);
  }
  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    return std::make_unique<PimExecutable>(ir::graph_from_desc(partition), opt_);
  }
  double estimate_cost(const nuri_graph_desc* graph, size_t node) override {
    if (!supports(graph, node)) return -1;
    return pim_estimate_seconds(opt_, graph, node);
  }

 private:
  PimDeviceOptions opt_;
  std::string description_;
};

sdk::HostDevice* create_pim(const char* options) {
  return new PimDevice(parse_pim_options(options));
}

}  // namespace

const nuri_device_api* pim_device_api() {
  return sdk::host_device_api<create_pim>("pim");
}

}  // namespace nuri::pim
