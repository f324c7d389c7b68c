// GraphEditor: what fusion passes need to match patterns and rewrite a graph in place.
// Rewrites add nodes and redirect uses; the replaced nodes are left dead and compact() (or the
// dead-code pass) drops them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

class GraphEditor {
 public:
  explicit GraphEditor(Graph& graph);

  Graph& graph() { return graph_; }
  const Value& value(ValueId v) const { return graph_.value(v); }
  const TensorType& type(ValueId v) const { return graph_.value(v).type; }
  // The node producing `v`, or nullptr (inputs, constants).
  const Node* producer(ValueId v) const;
  // Producer when it is `op`, else nullptr.
  const Node* producer_if(ValueId v, OpKind op) const;
  const std::vector<NodeId>& users(ValueId v) const { return users_[v]; }
  // The one node reading `v` (and `v` is no graph output), or nullptr.
  const Node* sole_user(ValueId v) const;
  bool is_output(ValueId v) const;

  // Constant data of `v` (nullptr when not a constant with data).
  const Tensor* constant(ValueId v) const;
  // The value of a one-element float/int constant.
  std::optional<double> scalar(ValueId v) const;
  bool is_scalar(ValueId v, double expected, double rel_tol = 1e-3) const;

  ValueId add_constant(const std::string& base, Tensor data);
  // Adds a node with inferred output types; returns its outputs.
  std::vector<ValueId> add_node(const std::string& name, OpKind op, std::vector<ValueId> inputs,
                                Attributes attrs = {}, size_t num_outputs = 1);
  ValueId add1(const std::string& name, OpKind op, std::vector<ValueId> inputs,
               Attributes attrs = {}) {
    return add_node(name, op, std::move(inputs), std::move(attrs)).front();
  }
  // Every reader of `from` (nodes, graph outputs) reads `to` instead. A graph output keeps its
  // name: the two values swap names.
  void replace_uses(ValueId from, ValueId to);
  std::string unique_name(const std::string& base);

 private:
  Graph& graph_;
  std::vector<NodeId> producer_;
  std::vector<std::vector<NodeId>> users_;
  std::set<std::string> names_;
};

// Drops nodes in `drop` and every node no graph output depends on, then every value nothing
// reads; rebuilds the graph in topological order (constants share their data). Returns whether
// anything was removed.
bool compact(Graph& graph, const std::vector<bool>& drop = {});

}  // namespace nuri::ir
