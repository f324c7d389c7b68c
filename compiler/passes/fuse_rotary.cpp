// RotaryEmbedding fusion: x*cos + rotate_half(x)*sin with rotate_half(x) = [-x2, x1].
#include <cstring>

#include "compiler/ir/op_params.h"
#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {
namespace {

// Slice of the last axis [start, end) with step 1, as resolved against the input shape.
bool slices_last(const GraphEditor& ed, const Node* n, ValueId x, int64_t start, int64_t end) {
  if (!n || n->op != OpKind::Slice || n->inputs[0] != x) return false;
  const Shape& s = ed.type(x).shape;
  const SliceParams p = resolve_slice(s, n->attrs);
  for (size_t d = 0; d + 1 < s.size(); ++d)
    if (p.out_shape[d] != s[d]) return false;
  return p.steps.back() == 1 && p.starts.back() == start && p.out_shape.back() == end - start;
}

// x if `rot` is Concat(Neg(x[..., D/2:]), x[..., :D/2]) on the last axis.
ValueId rotate_half_of(const GraphEditor& ed, ValueId rot) {
  const Node* cat = ed.producer_if(rot, OpKind::Concat);
  if (!cat || cat->inputs.size() != 2) return kNoValue;
  const int64_t rank = static_cast<int64_t>(ed.type(rot).shape.size());
  const int64_t axis = cat->attrs.get_int("axis", 0);
  if (axis != -1 && axis != rank - 1) return kNoValue;
  const Node* neg = ed.producer_if(cat->inputs[0], OpKind::Neg);
  if (!neg) return kNoValue;
  const Node* upper = ed.producer(neg->inputs[0]);
  const Node* lower = ed.producer(cat->inputs[1]);
  if (!upper || !lower || upper->op != OpKind::Slice) return kNoValue;
  const ValueId x = upper->inputs[0];
  const int64_t d = ed.type(x).shape.back();
  if (d % 2 != 0 || !slices_last(ed, upper, x, d / 2, d) || !slices_last(ed, lower, x, 0, d / 2))
    return kNoValue;
  return x;
}

// First half of the last dim of a [rows, D] view of `t`, if both halves are equal.
std::optional<Tensor> half_table(const Tensor& t, Shape out_shape) {
  if (t.dtype() != DType::F32) return std::nullopt;
  const int64_t d = t.shape().back(), rows = t.numel() / std::max<int64_t>(d, 1);
  out_shape.push_back(d / 2);
  Tensor h(DType::F32, out_shape);
  const float* src = t.data_as<float>();
  for (int64_t r = 0; r < rows; ++r) {
    if (std::memcmp(src + r * d, src + r * d + d / 2, sizeof(float) * (d / 2)) != 0)
      return std::nullopt;
    std::memcpy(h.data_as<float>() + r * (d / 2), src + r * d, sizeof(float) * (d / 2));
  }
  return h;
}

struct CosSin {
  ValueId cos = kNoValue, sin = kNoValue, position_ids = kNoValue;
};

// cos/sin as the kernel wants them: [S, D/2] / [B|1, S, D/2] constants, or [max_pos, D/2]
// tables with position_ids, from the full-width values the graph multiplies by.
std::optional<CosSin> rotary_tables(GraphEditor& ed, ValueId cos, ValueId sin, const Shape& x) {
  const int64_t b = x[0], s = x[2], d = x[3];
  const Tensor* ct = ed.constant(cos);
  const Tensor* st = ed.constant(sin);
  if (ct && st) {
    const Shape& cs = ct->shape();
    if (cs != st->shape() || cs.empty() || cs.back() != d) return std::nullopt;
    // Accept [S, D], [1|B, S, D] and [1|B, 1, S, D].
    Shape lead(cs.begin(), cs.end() - 1);
    while (lead.size() > 2 && lead.front() == 1) lead.erase(lead.begin());
    if (lead.size() == 3 && lead[1] == 1) lead.erase(lead.begin() + 1);
    Shape table_shape;
    if (lead == Shape{s}) {
      table_shape = {s};
    } else if (lead.size() == 2 && lead[1] == s && (lead[0] == 1 || lead[0] == b)) {
      table_shape = {lead[0], s};
    } else {
      return std::nullopt;
    }
    auto ch = half_table(*ct, table_shape), sh = half_table(*st, table_shape);
    if (!ch || !sh) return std::nullopt;
    return CosSin{ed.add_constant("rope_cos", std::move(*ch)),
                  ed.add_constant("rope_sin", std::move(*sh)), kNoValue};
  }
  // Unsqueeze(Gather(table[max_pos, D], position_ids[B, S]), axes=[1]).
  auto gathered = [&](ValueId v, ValueId& pos) -> const Tensor* {
    const Node* u = ed.producer_if(v, OpKind::Unsqueeze);
    if (!u || u->attrs.get_ints("axes") != std::vector<int64_t>{1}) return nullptr;
    const Node* g = ed.producer_if(u->inputs[0], OpKind::Gather);
    if (!g || g->attrs.get_int("axis", 0) != 0) return nullptr;
    pos = g->inputs[1];
    const Tensor* t = ed.constant(g->inputs[0]);
    return t && t->rank() == 2 && t->shape()[1] == d ? t : nullptr;
  };
  ValueId pc = kNoValue, ps = kNoValue;
  const Tensor* ctab = gathered(cos, pc);
  const Tensor* stab = gathered(sin, ps);
  if (!ctab || !stab || pc != ps || ed.type(pc).dtype != DType::I64 ||
      ed.type(pc).shape != Shape{b, s})
    return std::nullopt;
  auto ch = half_table(*ctab, {ctab->shape()[0]}), sh = half_table(*stab, {stab->shape()[0]});
  if (!ch || !sh) return std::nullopt;
  return CosSin{ed.add_constant("rope_cos_table", std::move(*ch)),
                ed.add_constant("rope_sin_table", std::move(*sh)), pc};
}

}  // namespace

bool fuse_rotary(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node add = graph.node(static_cast<NodeId>(i));
    if (add.op != OpKind::Add) continue;
    for (int side = 0; side < 2; ++side) {
      const Node* mx = ed.producer_if(add.inputs[side], OpKind::Mul);
      const Node* mr = ed.producer_if(add.inputs[1 - side], OpKind::Mul);
      if (!mx || !mr) continue;
      // mr = rot * sin (either order); mx = x * cos (either order).
      ValueId x = kNoValue, sin = kNoValue, cos = kNoValue;
      for (int r = 0; r < 2 && x == kNoValue; ++r) {
        const ValueId cand = rotate_half_of(ed, mr->inputs[r]);
        if (cand == kNoValue) continue;
        for (int c = 0; c < 2; ++c)
          if (mx->inputs[c] == cand) {
            x = cand;
            cos = mx->inputs[1 - c];
            sin = mr->inputs[1 - r];
          }
      }
      if (x == kNoValue) continue;
      const TensorType xt = ed.type(x);
      if (xt.dtype != DType::F32 || xt.shape.size() != 4 || ed.type(add.outputs[0]) != xt) continue;
      const auto tables = rotary_tables(ed, cos, sin, xt.shape);
      if (!tables) continue;
      std::vector<ValueId> in{x, tables->cos, tables->sin};
      if (tables->position_ids != kNoValue) in.push_back(tables->position_ids);
      const ValueId y = ed.add1(add.name + "/rotary", OpKind::RotaryEmbedding, in,
                                {{"interleaved", int64_t{0}}, {"rotary_dim", int64_t{0}}});
      ed.replace_uses(add.outputs[0], y);
      changed = true;
      break;
    }
  }
  if (changed) compact(graph);
  return changed;
}

}  // namespace nuri::ir
