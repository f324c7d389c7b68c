// The graph IR: values (graph inputs, constants, node results) and nodes that read and write
// them. Graph is plain data so frontends and passes can build and rewrite it freely; verify()
// (compiler/ir/verifier.h) checks it before anything runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/attributes.h"
#include "compiler/ir/op.h"
#include "nuri/tensor.hpp"

namespace nuri::ir {

using ValueId = int32_t;
using NodeId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an absent optional input

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool operator==(const TensorType&) const = default;
  int64_t numel() const { return num_elements(shape); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype); }
};
std::string type_str(const TensorType& t);  // "f32[1, 32, 128]"

enum class ValueKind { Input, Constant, Intermediate };

struct Value {
  std::string name;
  TensorType type;
  ValueKind kind = ValueKind::Intermediate;
  // Constant data; null for a weight-less constant (timing-only simulation of large models).
  std::shared_ptr<const Tensor> data;
};

struct Node {
  std::string name;
  OpKind op;
  std::vector<ValueId> inputs;  // kNoValue for an absent optional input
  std::vector<ValueId> outputs;
  Attributes attrs;
};

class Graph {
 public:
  explicit Graph(std::string name = "graph") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  ValueId add_input(const std::string& name, TensorType type);
  ValueId add_constant(const std::string& name, Tensor data);
  // A constant known only by its type (no data): enough for shape inference and timing.
  ValueId add_constant_placeholder(const std::string& name, TensorType type);
  ValueId add_value(const std::string& name, TensorType type);  // an intermediate
  NodeId add_node(Node node);
  void set_outputs(std::vector<ValueId> outputs) { outputs_ = std::move(outputs); }

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& mutable_nodes() { return nodes_; }
  const Value& value(ValueId id) const;
  Value& mutable_value(ValueId id);
  const Node& node(NodeId id) const;
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  std::optional<ValueId> find_value(const std::string& name) const;

  // Nodes in an order where every node follows the producers of its inputs. Throws nuri::Error
  // naming a node on the cycle if there is one, or a node reading an undefined value.
  std::vector<NodeId> topo_order() const;
  // For each value, the node producing it (-1 for inputs/constants/undefined).
  std::vector<NodeId> producers() const;
  // Parameter bytes held by constants.
  size_t constant_bytes() const;
  int64_t parameter_count() const;

 private:
  std::string name_;
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
};

}  // namespace nuri::ir
