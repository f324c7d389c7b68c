#include "devices/ref/ref_device.h"

#include <chrono>

#include "compiler/abi/graph_desc.h"
#include "devices/ref/ref_program.h"
#include "nuri/device_sdk.hpp"

namespace nuri::ref {
namespace {

class RefExecutable : public sdk::HostExecutable {
 public:
  explicit RefExecutable(ir::Graph graph) : program_(std::move(graph)) {}
  void execute(std::span<sdk::HostBuffer* const> inputs,
               std::span<sdk::HostBuffer* const> outputs) override {
    std::vector<const void*> in;
    std::vector<void*> out;
    const ir::Graph& g = program_.graph();
    if (inputs.size() != g.inputs().size() || outputs.size() != g.outputs().size())
      throw Error("ref: wrong number of buffers for partition '" + g.name() + "'");
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i]->size() < g.value(g.inputs()[i]).type.nbytes())
        throw Error("ref: input buffer " + std::to_string(i) + " is too small");
      in.push_back(inputs[i]->data());
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i]->size() < g.value(g.outputs()[i]).type.nbytes())
        throw Error("ref: output buffer " + std::to_string(i) + " is too small");
      out.push_back(outputs[i]->data());
    }
    const auto t0 = std::chrono::steady_clock::now();
    program_.run(in, out);
    stats_.elapsed_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    ++stats_.executions;
  }
  nuri_exec_stats stats() const override { return stats_; }

 private:
  RefProgram program_;
  nuri_exec_stats stats_{sizeof(nuri_exec_stats), 0, 0, 0, 0, 0, 0};
};

class RefDevice : public sdk::HostDevice {
 public:
  RefDevice() : HostDevice(uint64_t{64} << 30) {}
  void properties(nuri_device_properties* p) override {
    *p = {};
    p->struct_size = sizeof(*p);
    p->name = "ref";
    p->description = "reference kernels (the oracle every device is tested against)";
    p->kind = NURI_DEVICE_KIND_CPU;
    p->memory_bytes = uint64_t{64} << 30;
    p->dtype_mask = (1u << NURI_DTYPE_COUNT_) - 1;
  }
  // Every op the IR has, on every dtype shape inference accepts, given its constants' data.
  bool supports(const nuri_graph_desc* graph, size_t node) override {
    ir::check_node_desc(graph, node);
    return ir::missing_constant_data(graph, node).empty();
  }
  std::string decline_reason(const nuri_graph_desc* graph, size_t node) override {
    return ir::missing_constant_data(graph, node);
  }
  std::unique_ptr<sdk::HostExecutable> compile(const nuri_graph_desc* partition) override {
    return std::make_unique<RefExecutable>(ir::graph_from_desc(partition));
  }
};

sdk::HostDevice* create_ref(const char*) {
  return new RefDevice();
}

}  // namespace

const nuri_device_api* ref_device_api() {
  return sdk::host_device_api<create_ref>("ref");
}

}  // namespace nuri::ref
