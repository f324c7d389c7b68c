// GraphBuilder: builds a graph op by op from C++, inferring every output type at once so a
// misuse fails at the call that caused it, naming the node.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name = "graph") : graph_(std::move(graph_name)) {}

  ValueId input(const std::string& name, DType dtype, Shape shape);
  ValueId constant(const std::string& name, Tensor data);
  ValueId constant_placeholder(const std::string& name, DType dtype, Shape shape);

  // Adds a node; returns its outputs. `name` empty -> "<op>_<n>". Throws nuri::Error naming the
  // node when the inputs do not fit the op.
  std::vector<ValueId> add(OpKind op, std::vector<ValueId> inputs, Attributes attrs = {},
                           size_t num_outputs = 1, std::string name = "");
  ValueId add1(OpKind op, std::vector<ValueId> inputs, Attributes attrs = {},
               std::string name = "") {
    return add(op, std::move(inputs), std::move(attrs), 1, std::move(name)).front();
  }

  // Shorthands for the common ops.
  ValueId matmul(ValueId a, ValueId b) { return add1(OpKind::MatMul, {a, b}); }
  ValueId add_(ValueId a, ValueId b) { return add1(OpKind::Add, {a, b}); }
  ValueId mul(ValueId a, ValueId b) { return add1(OpKind::Mul, {a, b}); }
  ValueId reshape(ValueId x, std::vector<int64_t> shape) {
    return add1(OpKind::Reshape, {x}, {{"shape", std::move(shape)}});
  }
  ValueId transpose(ValueId x, std::vector<int64_t> perm) {
    return add1(OpKind::Transpose, {x}, {{"perm", std::move(perm)}});
  }

  const TensorType& type(ValueId v) const { return graph_.value(v).type; }
  void output(ValueId v) { outputs_.push_back(v); }
  void rename(ValueId v, const std::string& name);
  // Finishes: sets the outputs, verifies, and hands the graph over.
  Graph build();

 private:
  Graph graph_;
  std::vector<ValueId> outputs_;
  bool built_ = false;
};

}  // namespace nuri::ir
