// OnnxModel: an ONNX file loaded once, specialized to static-shape graph IR per input shapes.
//
//   auto model = nuri::onnx::OnnxModel::load("gpt2.onnx");
//   ir::Graph g = model.specialize({{"input_ids", {1, 8}}, {"past_key_0", {1, 4, 0, 16}}});
//
// Dynamic axes (symbolic batch, sequence or cache length) take the sizes given at
// specialization; the exporter's shape arithmetic (Shape/Gather/Concat/Range/... chains) then
// folds to constants, so every IR op has static shapes and shape-like operands become
// attributes. The runtime can compile and cache one graph per input-shape signature.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::onnx {

struct OnnxDim {
  int64_t size = -1;  // -1 when dynamic
  std::string param;  // the symbolic name ("batch"), empty when static or unnamed
};

struct OnnxInput {
  std::string name;
  DType dtype = DType::F32;
  std::vector<OnnxDim> dims;
  bool has_shape = true;  // false for an output the model declares without a shape
  bool is_static() const;
  // The shape with dynamic dims replaced by `fill` (e.g. 1 for a quick look at the model).
  Shape shape_with(int64_t fill) const;
};

struct ImportOptions {
  // Run the fusion pipeline (compiler/passes/pipeline.h) after import: LayerNorm, RMSNorm,
  // Gelu, Silu, Attention, RotaryEmbedding, Gemm. Off gives the graph as exported (folded).
  bool fuse = true;
};

using InputShapes = std::map<std::string, Shape>;

class OnnxModel {
 public:
  // Maps and parses a .onnx file; external data resolves relative to its folder. The weights
  // are neither read nor copied here: specialized graphs' constants view the mapped file (and
  // mapped external-data files), which stay mapped while any of them lives. Throws nuri::Error
  // naming the file: unreadable, truncated/corrupt, not an ONNX model, opset of the default
  // domain outside 13..18.
  static OnnxModel load(const std::string& path);
  // The same from bytes in memory, which the model keeps ("<memory>" in messages; external data
  // is refused unless `base_dir` is given).
  static OnnxModel from_bytes(std::string bytes, const std::string& base_dir = "",
                              const std::string& label = "<memory>");

  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  const std::string& label() const { return label_; }
  const std::string& graph_name() const { return graph_name_; }
  int64_t opset() const { return opset_; }
  const std::string& producer() const { return producer_; }
  // Runtime inputs (initializers excluded) and outputs, in the model's order.
  const std::vector<OnnxInput>& inputs() const { return inputs_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  // The outputs' declared dtypes and dims (dynamic dims as in inputs()); an output declared
  // without a shape has has_shape false, one without a supported dtype says F32.
  const std::vector<OnnxInput>& output_info() const { return output_info_; }
  // ONNX node op types (domain-qualified when not the default domain) -> count.
  std::map<std::string, int64_t> op_histogram() const;

  // Builds the static-shape graph for these input shapes. Inputs whose dims are all static may
  // be left out. The graph's inputs and outputs follow the model's order and names. Throws
  // nuri::Error naming the file, node, op and opset on anything that cannot be imported (an
  // unsupported op, a shape that does not fold to a constant, mismatching shapes).
  ir::Graph specialize(const InputShapes& shapes, const ImportOptions& options = {}) const;
  // Shapes of every input with dynamic dims set to `fill`.
  InputShapes default_shapes(int64_t fill = 1) const;

 private:
  struct Proto;
  OnnxModel();
  // `size` bytes at `data`, kept alive by `owner`.
  static OnnxModel from_memory(const std::byte* data, size_t size,
                               std::shared_ptr<const void> owner, const std::string& base_dir,
                               const std::string& label);

  std::unique_ptr<Proto> proto_;
  std::string label_, base_dir_, graph_name_, producer_;
  int64_t opset_ = 0;
  std::vector<OnnxInput> inputs_;
  std::vector<std::string> outputs_;
  std::vector<OnnxInput> output_info_;
};

}  // namespace nuri::onnx
