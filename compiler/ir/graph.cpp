#include "compiler/ir/graph.h"

#include <fmt/format.h>

#include <algorithm>

#include "nuri/error.hpp"

namespace nuri::ir {

std::string type_str(const TensorType& t) {
  return std::string(dtype_name(t.dtype)) + shape_str(t.shape);
}

ValueId Graph::add_value(const std::string& name, TensorType type) {
  values_.push_back(Value{name, std::move(type), ValueKind::Intermediate, nullptr});
  return static_cast<ValueId>(values_.size() - 1);
}

ValueId Graph::add_input(const std::string& name, TensorType type) {
  ValueId id = add_value(name, std::move(type));
  values_[id].kind = ValueKind::Input;
  inputs_.push_back(id);
  return id;
}

ValueId Graph::add_constant(const std::string& name, Tensor data) {
  ValueId id = add_value(name, TensorType{data.dtype(), data.shape()});
  values_[id].kind = ValueKind::Constant;
  values_[id].data = std::make_shared<const Tensor>(std::move(data));
  return id;
}

ValueId Graph::add_constant_placeholder(const std::string& name, TensorType type) {
  ValueId id = add_value(name, std::move(type));
  values_[id].kind = ValueKind::Constant;
  return id;
}

NodeId Graph::add_node(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<NodeId>(nodes_.size() - 1);
}

const Value& Graph::value(ValueId id) const {
  if (id < 0 || static_cast<size_t>(id) >= values_.size())
    throw Error(fmt::format("graph '{}': no value with id {}", name_, id));
  return values_[id];
}

Value& Graph::mutable_value(ValueId id) {
  return const_cast<Value&>(static_cast<const Graph&>(*this).value(id));
}

const Node& Graph::node(NodeId id) const {
  if (id < 0 || static_cast<size_t>(id) >= nodes_.size())
    throw Error(fmt::format("graph '{}': no node with id {}", name_, id));
  return nodes_[id];
}

std::optional<ValueId> Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].name == name) return static_cast<ValueId>(i);
  return std::nullopt;
}

std::vector<NodeId> Graph::producers() const {
  std::vector<NodeId> prod(values_.size(), -1);
  for (size_t n = 0; n < nodes_.size(); ++n)
    for (ValueId out : nodes_[n].outputs)
      if (out >= 0 && static_cast<size_t>(out) < values_.size() && prod[out] < 0)
        prod[out] = static_cast<NodeId>(n);
  return prod;
}

std::vector<NodeId> Graph::topo_order() const {
  const std::vector<NodeId> prod = producers();
  // Kahn's algorithm, keeping the insertion order among ready nodes so the order is stable.
  std::vector<int> pending(nodes_.size(), 0);
  std::vector<std::vector<NodeId>> users(nodes_.size());
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (ValueId in : nodes_[n].inputs) {
      if (in == kNoValue) continue;
      if (in < 0 || static_cast<size_t>(in) >= values_.size())
        throw Error(fmt::format("node '{}' ({}): input id {} does not exist", nodes_[n].name,
                                op_name(nodes_[n].op), in));
      const Value& v = values_[in];
      if (v.kind == ValueKind::Intermediate) {
        if (prod[in] < 0)
          throw Error(fmt::format("node '{}' ({}): input '{}' is produced by no node (dangling)",
                                  nodes_[n].name, op_name(nodes_[n].op), v.name));
        ++pending[n];
        users[prod[in]].push_back(static_cast<NodeId>(n));
      }
    }
  }
  std::vector<NodeId> order;
  order.reserve(nodes_.size());
  std::vector<NodeId> ready;
  for (size_t n = 0; n < nodes_.size(); ++n)
    if (pending[n] == 0) ready.push_back(static_cast<NodeId>(n));
  size_t head = 0;
  while (head < ready.size()) {
    NodeId n = ready[head++];
    order.push_back(n);
    for (NodeId u : users[n])
      if (--pending[u] == 0) ready.push_back(u);
  }
  if (order.size() != nodes_.size()) {
    for (size_t n = 0; n < nodes_.size(); ++n)
      if (pending[n] > 0)
        throw Error(fmt::format("graph '{}' has a cycle through node '{}' ({})", name_,
                                nodes_[n].name, op_name(nodes_[n].op)));
  }
  return order;
}

size_t Graph::constant_bytes() const {
  size_t total = 0;
  for (const Value& v : values_)
    if (v.kind == ValueKind::Constant) total += v.type.nbytes();
  return total;
}

int64_t Graph::parameter_count() const {
  int64_t total = 0;
  for (const Value& v : values_)
    if (v.kind == ValueKind::Constant) total += v.type.numel();
  return total;
}

}  // namespace nuri::ir
