#include "devices/ref/ref_program.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::ref {

RefProgram::RefProgram(ir::Graph graph) : graph_(std::move(graph)) {
  ir::verify(graph_);
  for (const ir::Value& v : graph_.values())
    if (v.kind == ir::ValueKind::Constant && !v.data)
      throw Error(
          fmt::format("ref: constant '{}' has no data (a timing-only graph cannot run "
                      "on the reference executor)",
                      v.name));
  order_ = graph_.topo_order();
  plan_ = ir::plan_graph_memory(graph_, order_);
  arena_ = Tensor(DType::I8, {static_cast<int64_t>(plan_.peak_bytes)});
  for (ir::NodeId id : order_) {
    const ir::Node& n = graph_.node(id);
    ir::NodeOperands io;
    for (ir::ValueId in : n.inputs) {
      io.in_types.push_back(in == ir::kNoValue ? nullptr : &graph_.value(in).type);
      io.in.push_back(in == ir::kNoValue ? nullptr : address(in));
    }
    for (ir::ValueId out : n.outputs) {
      io.out_types.push_back(&graph_.value(out).type);
      io.out.push_back(address(out));
    }
    operands_.push_back(std::move(io));
  }
}

void* RefProgram::address(ir::ValueId v) {
  const ir::Value& val = graph_.value(v);
  if (val.kind == ir::ValueKind::Constant) return const_cast<void*>(val.data->aligned_data());
  return static_cast<std::byte*>(arena_.data()) + plan_.offset_of[v];
}

std::vector<Tensor> RefProgram::run(const std::vector<Tensor>& inputs) {
  const auto& graph_inputs = graph_.inputs();
  if (inputs.size() != graph_inputs.size())
    throw Error(fmt::format("graph '{}' takes {} inputs, got {}", graph_.name(),
                            graph_inputs.size(), inputs.size()));
  std::vector<const void*> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = graph_.value(graph_inputs[i]);
    if (inputs[i].dtype() != v.type.dtype || inputs[i].shape() != v.type.shape)
      throw Error(fmt::format("input '{}' must be {}, got {}{}", v.name, ir::type_str(v.type),
                              dtype_name(inputs[i].dtype()), shape_str(inputs[i].shape())));
    in.push_back(inputs[i].data());
  }
  std::vector<Tensor> outputs;
  std::vector<void*> out;
  for (ir::ValueId id : graph_.outputs()) {
    const ir::Value& v = graph_.value(id);
    outputs.emplace_back(v.type.dtype, v.type.shape);
  }
  for (Tensor& t : outputs) out.push_back(t.data());
  run(in, out);
  return outputs;
}

void RefProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  const auto& graph_inputs = graph_.inputs();
  for (size_t i = 0; i < graph_inputs.size(); ++i)
    std::memcpy(address(graph_inputs[i]), inputs[i], graph_.value(graph_inputs[i]).type.nbytes());
  for (size_t step = 0; step < order_.size(); ++step)
    ir::run_reference_node(graph_.node(order_[step]), operands_[step]);
  for (size_t i = 0; i < graph_.outputs().size(); ++i) {
    const ir::ValueId id = graph_.outputs()[i];
    std::memcpy(outputs[i], address(id), graph_.value(id).type.nbytes());
  }
}

}  // namespace nuri::ref
