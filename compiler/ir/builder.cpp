#include "compiler/ir/builder.h"

#include <fmt/format.h>

#include "compiler/ir/shape_inference.h"
#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::ir {

ValueId GraphBuilder::input(const std::string& name, DType dtype, Shape shape) {
  if (graph_.find_value(name)) throw Error(fmt::format("builder: value '{}' already exists", name));
  for (int64_t d : shape)
    if (d < 0)
      throw Error(
          fmt::format("builder: input '{}' has negative dim in {}", name, shape_str(shape)));
  return graph_.add_input(name, {dtype, std::move(shape)});
}

ValueId GraphBuilder::constant(const std::string& name, Tensor data) {
  if (graph_.find_value(name)) throw Error(fmt::format("builder: value '{}' already exists", name));
  return graph_.add_constant(name, std::move(data));
}

ValueId GraphBuilder::constant_placeholder(const std::string& name, DType dtype, Shape shape) {
  if (graph_.find_value(name)) throw Error(fmt::format("builder: value '{}' already exists", name));
  return graph_.add_constant_placeholder(name, {dtype, std::move(shape)});
}

std::vector<ValueId> GraphBuilder::add(OpKind op, std::vector<ValueId> inputs, Attributes attrs,
                                       size_t num_outputs, std::string name) {
  if (built_) throw Error("builder: add() after build()");
  if (name.empty()) name = fmt::format("{}_{}", op_name(op), graph_.nodes().size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i] != kNoValue &&
        (inputs[i] < 0 || static_cast<size_t>(inputs[i]) >= graph_.values().size()))
      throw Error(fmt::format("node '{}': input {} is not a value of this builder (id {})", name, i,
                              inputs[i]));
  Node node{name, op, std::move(inputs), {}, std::move(attrs)};
  node.outputs.assign(num_outputs, kNoValue);
  const std::vector<TensorType> types = infer_node_types(graph_, node);
  for (size_t i = 0; i < num_outputs; ++i) {
    const std::string value_name = num_outputs == 1 ? name : fmt::format("{}:{}", name, i);
    if (graph_.find_value(value_name))
      throw Error(fmt::format("node '{}': a value named '{}' already exists", name, value_name));
    node.outputs[i] = graph_.add_value(value_name, types[i]);
  }
  std::vector<ValueId> outs = node.outputs;
  graph_.add_node(std::move(node));
  return outs;
}

void GraphBuilder::rename(ValueId v, const std::string& name) {
  if (auto existing = graph_.find_value(name); existing && *existing != v)
    throw Error(fmt::format("builder: value '{}' already exists", name));
  graph_.mutable_value(v).name = name;
}

Graph GraphBuilder::build() {
  if (built_) throw Error("builder: build() called twice");
  if (outputs_.empty()) throw Error("builder: the graph has no outputs");
  graph_.set_outputs(outputs_);
  verify(graph_);
  built_ = true;
  return std::move(graph_);
}

}  // namespace nuri::ir
