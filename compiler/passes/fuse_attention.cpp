// Scaled-dot-product attention fusion: MatMul(q, k^T) [scale] [mask] -> Softmax -> MatMul(v).
#include <cmath>

#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"
#include "kernels/cpu/broadcast.h"

namespace nuri::ir {
namespace {

constexpr double kMaskedBelow = -1e30;  // additive fills: -inf, -3.4e38 (finfo.min), -1e38...

struct Scores {
  ValueId q = kNoValue, kt = kNoValue;
  double scale = 1.0;
};

// v = MatMul(q, kt) optionally scaled by Div(., c) / Mul(., c).
std::optional<Scores> scores_of(const GraphEditor& ed, ValueId v) {
  Scores s;
  if (const Node* d = ed.producer_if(v, OpKind::Div); d && ed.scalar(d->inputs[1])) {
    const double c = *ed.scalar(d->inputs[1]);
    if (c == 0) return std::nullopt;
    s.scale = 1.0 / c;
    v = d->inputs[0];
  } else if (const Node* m = ed.producer_if(v, OpKind::Mul)) {
    for (int i = 0; i < 2; ++i)
      if (auto c = ed.scalar(m->inputs[i])) {
        s.scale = *c;
        v = m->inputs[1 - i];
        break;
      }
  }
  const Node* mm = ed.producer_if(v, OpKind::MatMul);
  if (!mm) return std::nullopt;
  s.q = mm->inputs[0];
  s.kt = mm->inputs[1];
  return s;
}

// Undoes GQA's repeat: Reshape(Expand(Unsqueeze(k, 2), [B,Hkv,rep,T,D]), [B,Hkv*rep,T,D]) -> k.
ValueId unrepeat(const GraphEditor& ed, ValueId v) {
  const Node* r = ed.producer_if(v, OpKind::Reshape);
  if (!r) return v;
  const Node* e = ed.producer_if(r->inputs[0], OpKind::Expand);
  if (!e) return v;
  const Node* u = ed.producer_if(e->inputs[0], OpKind::Unsqueeze);
  if (!u || u->attrs.get_ints("axes") != std::vector<int64_t>{2}) return v;
  const Shape& k = ed.type(u->inputs[0]).shape;
  const Shape& ex = ed.type(e->outputs[0]).shape;
  const Shape& out = ed.type(v).shape;
  if (k.size() != 4 || ex.size() != 5 || out.size() != 4) return v;
  if (ex[0] != k[0] || ex[1] != k[1] || ex[3] != k[2] || ex[4] != k[3]) return v;
  if (out != Shape{k[0], k[1] * ex[2], k[2], k[3]}) return v;
  return u->inputs[0];
}

// True if a constant mask (bool: allowed; additive: 0 allowed, very negative masked), broadcast
// to [B, H, S, T], is exactly the causal pattern of queries at the last S of T positions.
bool is_causal(const Tensor& m, const Shape& scores) {
  const int64_t s = scores[2], t = scores[3];
  if (s > t) return false;
  const auto strides = kernels::broadcast_strides(m.shape(), scores);
  // A batch or head axis the mask broadcasts over (stride 0) repeats the same entries: one pass.
  const int64_t batches = strides[0] ? scores[0] : 1, heads = strides[1] ? scores[1] : 1;
  const bool is_bool = m.dtype() == DType::Bool;
  const uint8_t* flags = is_bool ? m.data_as<uint8_t>() : nullptr;
  const float* additive = is_bool ? nullptr : m.data_as<float>();
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < s; ++i)
        for (int64_t j = 0; j < t; ++j) {
          const int64_t off = b * strides[0] + h * strides[1] + i * strides[2] + j * strides[3];
          const bool want = j <= t - s + i;
          bool allowed;
          if (is_bool) {
            allowed = flags[off] != 0;
          } else {
            const float x = additive[off];
            if (x != 0.0f && !(x <= kMaskedBelow)) return false;
            allowed = x == 0.0f;
          }
          if (allowed != want) return false;
        }
  return true;
}

bool broadcasts_to(const Shape& m, const Shape& scores) {
  if (m.size() > 4) return false;
  auto b = kernels::broadcast_shapes(m, scores);
  return b && *b == scores;
}

}  // namespace

bool fuse_attention(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node sm = graph.node(static_cast<NodeId>(i));
    if (sm.op != OpKind::Softmax) continue;
    const TensorType st = ed.type(sm.inputs[0]);
    const int64_t axis = sm.attrs.get_int("axis", -1);
    if (st.dtype != DType::F32 || st.shape.size() != 4 || (axis != -1 && axis != 3)) continue;
    const Node* pv = ed.sole_user(sm.outputs[0]);
    if (!pv || pv->op != OpKind::MatMul || pv->inputs[0] != sm.outputs[0]) continue;
    const ValueId v_rep = pv->inputs[1], out = pv->outputs[0];

    // Peel the mask: Add(scores, additive) or Where(allowed, scores, fill).
    std::optional<Scores> sc;
    ValueId mask = kNoValue;
    bool negate_mask = false;
    const ValueId logits = sm.inputs[0];
    if (const Node* add = ed.producer_if(logits, OpKind::Add)) {
      for (int side = 0; side < 2 && !sc; ++side)
        if ((sc = scores_of(ed, add->inputs[side]))) mask = add->inputs[1 - side];
    } else if (const Node* w = ed.producer_if(logits, OpKind::Where)) {
      auto fill_masks = [&](ValueId f) {
        auto c = ed.scalar(f);
        return c && *c <= kMaskedBelow;
      };
      if (fill_masks(w->inputs[2]) && (sc = scores_of(ed, w->inputs[1]))) {
        mask = w->inputs[0];
      } else if (fill_masks(w->inputs[1]) && (sc = scores_of(ed, w->inputs[2]))) {
        mask = w->inputs[0];
        negate_mask = true;
      }
    }
    if (!sc) sc = scores_of(ed, logits);
    if (!sc) continue;

    const TensorType qt = ed.type(sc->q);
    if (qt.shape.size() != 4 || ed.type(sc->kt).shape.size() != 4) continue;
    // k: undo a last-two-dims transpose, or transpose back.
    ValueId k_rep;
    if (const Node* tr = ed.producer_if(sc->kt, OpKind::Transpose);
        tr && tr->attrs.get_ints("perm", {}) == std::vector<int64_t>{0, 1, 3, 2})
      k_rep = tr->inputs[0];
    else
      k_rep = kNoValue;
    const ValueId k = k_rep == kNoValue ? kNoValue : unrepeat(ed, k_rep);
    const ValueId v = unrepeat(ed, v_rep);
    if (ed.type(v_rep).shape.size() != 4) continue;
    const Shape scores = st.shape;
    if (mask != kNoValue && !broadcasts_to(ed.type(mask).shape, scores)) continue;
    if (mask != kNoValue && ed.type(mask).dtype != DType::Bool && ed.type(mask).dtype != qt.dtype)
      continue;
    // A K/V pair is unrepeated only together (Attention needs the same kv heads for both).
    ValueId k_use = k, v_use = v;
    const std::string base = sm.name + "/attention";
    if (k_use == kNoValue) {
      k_use = ed.add1(base + "/k", OpKind::Transpose, {sc->kt},
                      {{"perm", std::vector<int64_t>{0, 1, 3, 2}}});
      v_use = v_rep;
    } else if (ed.type(k).shape[1] != ed.type(v).shape[1]) {
      k_use = k_rep;
      v_use = v_rep;
    }

    Attributes attrs{{"scale", sc->scale}, {"causal", int64_t{0}}};
    std::vector<ValueId> in{sc->q, k_use, v_use};
    if (mask != kNoValue) {
      const Tensor* mt = ed.constant(mask);
      // masked_fill(mask, -inf) with a constant mask: negate it here, so that the "allowed"
      // pattern is a constant too (and recognized when it is the causal one).
      Tensor negated;
      if (mt && negate_mask && mt->dtype() == DType::Bool) {
        negated = *mt;
        for (int64_t e = 0; e < negated.numel(); ++e)
          negated.data_as<uint8_t>()[e] = negated.data_as<uint8_t>()[e] ? 0 : 1;
        mt = &negated;
        negate_mask = false;
        if (!is_causal(negated, scores)) mask = ed.add_constant(base + "/allowed", negated);
      }
      if (mt && !negate_mask && is_causal(*mt, scores)) {
        attrs.set("causal", int64_t{1});
      } else {
        ValueId m = mask;
        if (negate_mask) {
          Tensor f(DType::Bool, {});
          *f.data_as<uint8_t>() = 0;
          m = ed.add1(base + "/not_mask", OpKind::Equal,
                      {mask, ed.add_constant(base + "/false", std::move(f))});
        }
        in.push_back(m);
      }
    }
    const ValueId y = ed.add1(base, OpKind::Attention, in, attrs);
    ed.replace_uses(out, y);
    changed = true;
  }
  if (changed) compact(graph);
  return changed;
}

}  // namespace nuri::ir
