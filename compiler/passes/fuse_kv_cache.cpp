// KV-cache fusion: Attention(q, Concat(past_k, k), Concat(past_v, v)) along the sequence axis
// becomes Attention(q, k, v, mask, past_k, past_v) with present_k / present_v outputs, which
// take over every other reader of the two Concats (an exported model's `present` outputs).
// Devices then see one decode-attention op instead of a cache copy feeding plain attention.
#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {
namespace {

struct CacheConcat {
  ValueId past = kNoValue, fresh = kNoValue;
};

// `v` = Concat(past, fresh) of two rank-4 tensors along axis 2 (the sequence axis).
std::optional<CacheConcat> cache_concat(const GraphEditor& ed, ValueId v) {
  const Node* c = ed.producer_if(v, OpKind::Concat);
  if (!c || c->inputs.size() != 2 || ed.type(v).shape.size() != 4) return std::nullopt;
  const int64_t axis = c->attrs.get_int("axis", 0);
  if (axis != 2 && axis != -2) return std::nullopt;
  return CacheConcat{c->inputs[0], c->inputs[1]};
}

}  // namespace

bool fuse_kv_cache(Graph& graph) {
  GraphEditor ed(graph);
  std::vector<bool> drop(graph.nodes().size(), false);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node att = graph.node(static_cast<NodeId>(i));
    // Attention with past inputs already, or with present outputs of its own, is left alone.
    if (att.op != OpKind::Attention || att.inputs.size() > 4 || att.outputs.size() != 1) continue;
    const auto k = cache_concat(ed, att.inputs[1]);
    const auto v = cache_concat(ed, att.inputs[2]);
    if (!k || !v) continue;
    // The past lengths must agree (Attention's contract); otherwise this is no KV cache.
    if (ed.type(k->past).shape[2] != ed.type(v->past).shape[2]) continue;
    const ValueId mask = att.inputs.size() > 3 ? att.inputs[3] : kNoValue;
    const auto out =
        ed.add_node(att.name + "/kv_cache", OpKind::Attention,
                    {att.inputs[0], k->fresh, v->fresh, mask, k->past, v->past}, att.attrs, 3);
    ed.replace_uses(att.outputs[0], out[0]);
    drop[i] = true;
    ed.replace_uses(att.inputs[1], out[1]);
    ed.replace_uses(att.inputs[2], out[2]);
    changed = true;
  }
  if (changed) compact(graph, drop);
  return changed;
}

}  // namespace nuri::ir
