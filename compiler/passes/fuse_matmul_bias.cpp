// MatMul + bias -> Gemm (rows flattened for inputs of rank > 2).
#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {

bool fuse_matmul_bias(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node mm = graph.node(static_cast<NodeId>(i));
    if (mm.op != OpKind::MatMul) continue;
    const TensorType xt = ed.type(mm.inputs[0]), wt = ed.type(mm.inputs[1]);
    if (xt.dtype != DType::F32 || wt.shape.size() != 2 || xt.shape.size() < 2) continue;
    const Node* add = ed.sole_user(mm.outputs[0]);
    if (!add || add->op != OpKind::Add) continue;
    const ValueId bias = add->inputs[0] == mm.outputs[0] ? add->inputs[1] : add->inputs[0];
    const int64_t n = wt.shape[1], k = wt.shape[0];
    const Shape& bs = ed.type(bias).shape;
    if (ed.type(bias).dtype != DType::F32 || !(bs == Shape{n} || bs == Shape{1, n})) continue;
    const ValueId add_out = add->outputs[0];
    const std::string base = mm.name + "/gemm";
    ValueId x = mm.inputs[0];
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < xt.shape.size(); ++d) rows *= xt.shape[d];
    if (xt.shape.size() > 2)
      x = ed.add1(base + "/rows", OpKind::Reshape, {x}, {{"shape", std::vector<int64_t>{rows, k}}});
    ValueId y = ed.add1(base, OpKind::Gemm, {x, mm.inputs[1], bias});
    if (xt.shape.size() > 2) {
      Shape out = xt.shape;
      out.back() = n;
      y = ed.add1(base + "/unflatten", OpKind::Reshape, {y}, {{"shape", out}});
    }
    ed.replace_uses(add_out, y);
    changed = true;
  }
  if (changed) compact(graph);
  return changed;
}

}  // namespace nuri::ir
