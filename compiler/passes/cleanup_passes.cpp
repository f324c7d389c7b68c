// Constant folding and dead-code removal.
#include "compiler/lowering/reference_ops.h"
#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {

bool fold_constants(Graph& graph) {
  constexpr int64_t kMaxFolded = int64_t{1} << 26;
  std::vector<bool> drop(graph.nodes().size(), false);
  bool changed = false;
  for (NodeId id : graph.topo_order()) {
    const Node& n = graph.node(id);
    if (n.op == OpKind::DequantizeLinear) continue;
    bool all_const = true;
    for (ValueId in : n.inputs) {
      if (in == kNoValue) continue;
      const Value& v = graph.value(in);
      all_const = all_const && v.kind == ValueKind::Constant && v.data;
    }
    int64_t out_elems = 0;
    for (ValueId o : n.outputs) out_elems += graph.value(o).type.numel();
    if (!all_const || out_elems > kMaxFolded) continue;
    NodeOperands io;
    for (ValueId in : n.inputs) {
      io.in_types.push_back(in == kNoValue ? nullptr : &graph.value(in).type);
      io.in.push_back(in == kNoValue ? nullptr : graph.value(in).data->aligned_data());
    }
    std::vector<Tensor> outs;
    for (ValueId o : n.outputs)
      outs.emplace_back(graph.value(o).type.dtype, graph.value(o).type.shape);
    for (size_t i = 0; i < outs.size(); ++i) {
      io.out_types.push_back(&graph.value(n.outputs[i]).type);
      io.out.push_back(outs[i].data());
    }
    run_reference_node(n, io);
    for (size_t i = 0; i < outs.size(); ++i) {
      Value& v = graph.mutable_value(n.outputs[i]);
      v.kind = ValueKind::Constant;
      v.data = std::make_shared<const Tensor>(std::move(outs[i]));
    }
    drop[id] = true;
    changed = true;
  }
  if (changed) compact(graph, drop);
  return changed;
}

bool remove_dead_code(Graph& graph) {
  return compact(graph);
}

}  // namespace nuri::ir
