#include "compiler/passes/graph_editor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compiler/ir/shape_inference.h"
#include "nuri/error.hpp"

namespace nuri::ir {

GraphEditor::GraphEditor(Graph& graph) : graph_(graph) {
  producer_ = graph_.producers();
  users_.assign(graph_.values().size(), {});
  for (size_t n = 0; n < graph_.nodes().size(); ++n)
    for (ValueId in : graph_.nodes()[n].inputs)
      if (in != kNoValue) users_[in].push_back(static_cast<NodeId>(n));
  for (const Value& v : graph_.values()) names_.insert(v.name);
}

const Node* GraphEditor::producer(ValueId v) const {
  if (v < 0 || static_cast<size_t>(v) >= producer_.size() || producer_[v] < 0) return nullptr;
  return &graph_.node(producer_[v]);
}

const Node* GraphEditor::producer_if(ValueId v, OpKind op) const {
  const Node* n = producer(v);
  return n && n->op == op ? n : nullptr;
}

bool GraphEditor::is_output(ValueId v) const {
  const auto& outs = graph_.outputs();
  return std::find(outs.begin(), outs.end(), v) != outs.end();
}

const Node* GraphEditor::sole_user(ValueId v) const {
  if (users_[v].size() != 1 || is_output(v)) return nullptr;
  return &graph_.node(users_[v].front());
}

const Tensor* GraphEditor::constant(ValueId v) const {
  if (v == kNoValue) return nullptr;
  const Value& val = graph_.value(v);
  return val.kind == ValueKind::Constant ? val.data.get() : nullptr;
}

std::optional<double> GraphEditor::scalar(ValueId v) const {
  const Tensor* t = constant(v);
  if (!t || t->numel() != 1) return std::nullopt;
  switch (t->dtype()) {
    case DType::F32:
      return *t->data_as<float>();
    case DType::I32:
      return *t->data_as<int32_t>();
    case DType::I64:
      return static_cast<double>(*t->data_as<int64_t>());
    default:
      return std::nullopt;
  }
}

bool GraphEditor::is_scalar(ValueId v, double expected, double rel_tol) const {
  const auto s = scalar(v);
  return s && std::fabs(*s - expected) <= rel_tol * std::max(1.0, std::fabs(expected));
}

std::string GraphEditor::unique_name(const std::string& base) {
  if (names_.insert(base).second) return base;
  for (int k = 1;; ++k) {
    std::string c = fmt::format("{}_{}", base, k);
    if (names_.insert(c).second) return c;
  }
}

ValueId GraphEditor::add_constant(const std::string& base, Tensor data) {
  const ValueId id = graph_.add_constant(unique_name(base), std::move(data));
  producer_.push_back(-1);
  users_.emplace_back();
  return id;
}

std::vector<ValueId> GraphEditor::add_node(const std::string& name, OpKind op,
                                           std::vector<ValueId> inputs, Attributes attrs,
                                           size_t num_outputs) {
  Node n{unique_name(name), op, std::move(inputs), {}, std::move(attrs)};
  n.outputs.resize(num_outputs, kNoValue);
  const std::vector<TensorType> types = infer_node_types(graph_, n);
  const NodeId id = static_cast<NodeId>(graph_.nodes().size());
  for (size_t i = 0; i < types.size(); ++i) {
    n.outputs[i] = graph_.add_value(unique_name(fmt::format("{}/out{}", n.name, i)), types[i]);
    producer_.push_back(id);
    users_.emplace_back();
  }
  for (ValueId in : n.inputs)
    if (in != kNoValue) users_[in].push_back(id);
  std::vector<ValueId> outs = n.outputs;
  graph_.add_node(std::move(n));
  return outs;
}

void GraphEditor::replace_uses(ValueId from, ValueId to) {
  if (from == to) return;
  for (NodeId u : users_[from]) {
    for (ValueId& in : graph_.mutable_nodes()[u].inputs)
      if (in == from) in = to;
    users_[to].push_back(u);
  }
  users_[from].clear();
  if (is_output(from)) {
    std::vector<ValueId> outs = graph_.outputs();
    for (ValueId& o : outs)
      if (o == from) o = to;
    graph_.set_outputs(std::move(outs));
    std::swap(graph_.mutable_value(from).name, graph_.mutable_value(to).name);
  }
}

bool compact(Graph& g, const std::vector<bool>& drop) {
  const std::vector<NodeId> order = g.topo_order();
  const std::vector<NodeId> prod = g.producers();
  std::vector<bool> live_node(g.nodes().size(), false), live_value(g.values().size(), false);
  for (ValueId o : g.outputs()) live_value[o] = true;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodeId n = *it;
    if (!drop.empty() && drop[n]) continue;
    bool needed = false;
    for (ValueId o : g.node(n).outputs) needed = needed || live_value[o];
    if (!needed) continue;
    live_node[n] = true;
    for (ValueId in : g.node(n).inputs)
      if (in != kNoValue) live_value[in] = true;
  }
  for (ValueId in : g.inputs()) live_value[in] = true;  // inputs stay, even when unused
  size_t live_nodes = 0, live_values = 0;
  for (bool b : live_node) live_nodes += b;
  for (bool b : live_value) live_values += b;
  if (live_nodes == g.nodes().size() && live_values == g.values().size()) return false;

  Graph out(g.name());
  std::vector<ValueId> map(g.values().size(), kNoValue);
  for (ValueId in : g.inputs()) map[in] = out.add_input(g.value(in).name, g.value(in).type);
  auto mapped = [&](ValueId v) {
    if (v == kNoValue) return kNoValue;
    if (map[v] != kNoValue) return map[v];
    const Value& val = g.value(v);
    if (val.kind == ValueKind::Constant) {
      map[v] = out.add_constant_placeholder(val.name, val.type);
      out.mutable_value(map[v]).data = val.data;
    } else {
      map[v] = out.add_value(val.name, val.type);
    }
    return map[v];
  };
  for (NodeId n : order) {
    if (!live_node[n]) continue;
    Node copy = g.node(n);
    for (ValueId& in : copy.inputs) in = mapped(in);
    for (ValueId& o : copy.outputs) o = mapped(o);
    out.add_node(std::move(copy));
  }
  std::vector<ValueId> outs;
  for (ValueId o : g.outputs()) outs.push_back(mapped(o));
  out.set_outputs(std::move(outs));
  g = std::move(out);
  return true;
}

}  // namespace nuri::ir
