// The ONNX -> IR importer (internal to the frontend). Every ONNX value is a Ref: either known
// data (a constant, including everything shape arithmetic folds to) or a graph value. Converters
// emit IR ops through emit(), which folds them on the reference kernels when all operands are
// known, so Shape/Gather/Concat/... chains collapse into constants as the graph is built.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/frontend/onnx/onnx_model.h"
#include "compiler/frontend/onnx/onnx_tensor.h"
#include "compiler/ir/graph.h"

namespace onnx {
class GraphProto;
class NodeProto;
class AttributeProto;
}  // namespace onnx

namespace nuri::onnx {

struct Ref {
  ir::ValueId id = ir::kNoValue;       // the graph value, once there is one
  std::shared_ptr<const Tensor> data;  // known data (a constant)
  std::string name;                    // preferred name when materialized
  bool present() const { return id != ir::kNoValue || data != nullptr; }
  bool is_const() const { return data != nullptr; }
};

class Importer {
 public:
  // `initializer_bytes`: per top-level initializer, its bytes when they lie outside the proto.
  Importer(int64_t opset, std::shared_ptr<ExternalData> external, std::string label,
           const std::vector<TensorBytes>* initializer_bytes = nullptr);

  ir::Graph import(const ::onnx::GraphProto& graph, const std::vector<OnnxInput>& inputs,
                   const InputShapes& shapes);

  // --- for converters: the node being converted --------------------------------------------
  const ::onnx::NodeProto& node() const { return *node_; }
  int64_t opset() const { return opset_; }
  [[noreturn]] void fail(const std::string& msg) const;
  size_t num_inputs() const;
  bool has_input(size_t i) const;
  Ref input(size_t i) const;  // fails when absent
  ir::TensorType type(const Ref& r) const;
  ir::TensorType input_type(size_t i) const { return type(input(i)); }
  // Input `i` must be known data (a shape-like operand); fails naming `what` otherwise.
  const Tensor& const_input(size_t i, const char* what) const;
  std::vector<int64_t> ints_input(size_t i, const char* what) const;
  size_t num_outputs() const;
  void set_output(size_t i, Ref r);

  const ::onnx::AttributeProto* attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  double attr_float(const std::string& name, double fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name) const;
  std::vector<float> attr_floats(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attr(name) != nullptr; }
  Tensor attr_tensor(const std::string& name) const;

  // Adds an IR op (folded at once when every present input is known data and the op may fold).
  std::vector<Ref> emit_n(ir::OpKind op, const std::vector<Ref>& inputs, ir::Attributes attrs,
                          size_t num_outputs);
  Ref emit(ir::OpKind op, const std::vector<Ref>& inputs, ir::Attributes attrs = {}) {
    return emit_n(op, inputs, std::move(attrs), 1).front();
  }
  Ref constant(Tensor t, const std::string& name = "") const;
  // Inlines a subgraph (If with a known condition): its nodes share this importer's values.
  std::vector<Ref> inline_graph(const ::onnx::GraphProto& g);

 private:
  void convert_node(const ::onnx::NodeProto& n);
  Ref lookup(const std::string& name) const;
  ir::ValueId materialize(const Ref& r);
  std::string unique_name(const std::string& base);

  int64_t opset_;
  std::shared_ptr<ExternalData> external_;
  std::string label_;
  const std::vector<TensorBytes>* initializer_bytes_;
  ir::Graph graph_;
  std::unordered_map<std::string, Ref> values_;
  std::set<std::string> used_names_;
  // Constants already in the graph; the shared_ptr pins the data so an address is never reused.
  std::map<const Tensor*, std::pair<std::shared_ptr<const Tensor>, ir::ValueId>> materialized_;
  const ::onnx::NodeProto* node_ = nullptr;
  std::string node_label_;
  std::vector<ir::ValueId> node_new_values_;  // values created while converting this node
  int64_t emitted_ = 0;
};

// Converters: one function per ONNX op type of the default domain.
using Converter = void (*)(Importer&);
const Converter* find_converter(const std::string& op_type);

}  // namespace nuri::onnx
