// LayerNorm and RMSNorm fusion from the decompositions exporters emit.
#include <algorithm>

#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {
namespace {

// The other operand of a binary node given one of them, or kNoValue.
ValueId other(const Node& n, ValueId v) {
  if (n.inputs.size() != 2) return kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return kNoValue;
}

// ReduceMean over exactly the last axis, keeping dims.
bool reduces_last_axis(const GraphEditor& ed, const Node& n) {
  if (n.op != OpKind::ReduceMean || n.attrs.get_int("keepdims", 1) == 0) return false;
  const int64_t rank = static_cast<int64_t>(ed.type(n.inputs[0]).shape.size());
  const auto axes = n.attrs.get_ints("axes", {});
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

// Optional trailing "Mul by a weight of the normalized shape" then "Add a bias": returns the
// final value and the weight/bias (kNoValue when absent).
struct Affine {
  ValueId out, scale = kNoValue, bias = kNoValue;
};
Affine affine_tail(const GraphEditor& ed, ValueId v, int64_t dim, bool allow_bias) {
  Affine a{v};
  auto fits = [&](ValueId w) {
    const Shape& s = ed.type(w).shape;
    return w != kNoValue && s.size() == 1 && s[0] == dim && ed.type(w).dtype == ed.type(v).dtype;
  };
  if (const Node* mul = ed.sole_user(v); mul && mul->op == OpKind::Mul && fits(other(*mul, v))) {
    a.scale = other(*mul, v);
    a.out = mul->outputs[0];
  }
  if (!allow_bias) return a;
  if (const Node* add = ed.sole_user(a.out);
      add && add->op == OpKind::Add && fits(other(*add, a.out))) {
    a.bias = other(*add, a.out);
    a.out = add->outputs[0];
  }
  return a;
}

ValueId ones(GraphEditor& ed, const TensorType& like, int64_t dim) {
  Tensor t(DType::F32, {dim});
  std::fill(t.data_as<float>(), t.data_as<float>() + dim, 1.0f);
  (void)like;
  return ed.add_constant("norm_ones", std::move(t));
}

// Sqrt(Add(ReduceMean(Pow(base, 2)), eps)) -> (base, eps) for a Sqrt node.
bool variance_sqrt(const GraphEditor& ed, const Node& sqrt, ValueId& base, double& eps) {
  const Node* add = ed.producer_if(sqrt.inputs[0], OpKind::Add);
  if (!add) return false;
  for (int side = 0; side < 2; ++side) {
    const Node* mean = ed.producer(add->inputs[side]);
    const auto e = ed.scalar(add->inputs[1 - side]);
    if (!mean || !e || !reduces_last_axis(ed, *mean)) continue;
    const Node* pow = ed.producer_if(mean->inputs[0], OpKind::Pow);
    if (!pow || !ed.is_scalar(pow->inputs[1], 2.0, 0)) continue;
    base = pow->inputs[0];
    eps = *e;
    return eps >= 0;
  }
  return false;
}

}  // namespace

bool fuse_layer_norm(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node div = graph.node(static_cast<NodeId>(i));
    if (div.op != OpKind::Div) continue;
    const Node* sqrt = ed.producer_if(div.inputs[1], OpKind::Sqrt);
    ValueId centered;
    double eps;
    if (!sqrt || !variance_sqrt(ed, *sqrt, centered, eps) || centered != div.inputs[0]) continue;
    const Node* sub = ed.producer_if(centered, OpKind::Sub);
    if (!sub) continue;
    const ValueId x = sub->inputs[0];
    const Node* mean = ed.producer(sub->inputs[1]);
    if (!mean || !reduces_last_axis(ed, *mean) || mean->inputs[0] != x) continue;
    const TensorType xt = ed.type(x);
    if (xt.dtype != DType::F32 || xt.shape.empty()) continue;
    const int64_t dim = xt.shape.back();
    const Affine tail = affine_tail(ed, div.outputs[0], dim, true);
    const ValueId scale = tail.scale != kNoValue ? tail.scale : ones(ed, xt, dim);
    std::vector<ValueId> in{x, scale};
    if (tail.bias != kNoValue) in.push_back(tail.bias);
    const ValueId y = ed.add1(div.name + "/layer_norm", OpKind::LayerNorm, in,
                              {{"axis", int64_t{-1}}, {"epsilon", eps}});
    ed.replace_uses(tail.out, y);
    changed = true;
  }
  if (changed) compact(graph);
  return changed;
}

bool fuse_rms_norm(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node sqrt = graph.node(static_cast<NodeId>(i));
    if (sqrt.op != OpKind::Sqrt) continue;
    ValueId x;
    double eps;
    if (!variance_sqrt(ed, sqrt, x, eps)) continue;
    if (ed.producer_if(x, OpKind::Sub)) continue;  // centered: a LayerNorm left unfused
    // x / sqrt, or x * (1 / sqrt), or x * Reciprocal(sqrt).
    ValueId normed = kNoValue;
    const ValueId s = sqrt.outputs[0];
    for (NodeId u : ed.users(s)) {
      const Node& user = graph.node(u);
      if (user.op == OpKind::Div && user.inputs[0] == x && user.inputs[1] == s) {
        normed = user.outputs[0];
      } else if ((user.op == OpKind::Reciprocal) ||
                 (user.op == OpKind::Div && user.inputs[1] == s &&
                  ed.is_scalar(user.inputs[0], 1.0, 0))) {
        for (NodeId m : ed.users(user.outputs[0])) {
          const Node& mul = graph.node(m);
          if (mul.op == OpKind::Mul && other(mul, user.outputs[0]) == x) normed = mul.outputs[0];
        }
      }
      if (normed != kNoValue) break;
    }
    if (normed == kNoValue) continue;
    const TensorType xt = ed.type(x);
    if (xt.dtype != DType::F32 || xt.shape.empty()) continue;
    const int64_t dim = xt.shape.back();
    const Affine tail = affine_tail(ed, normed, dim, false);
    const ValueId scale = tail.scale != kNoValue ? tail.scale : ones(ed, xt, dim);
    const ValueId y = ed.add1(sqrt.name + "/rms_norm", OpKind::RMSNorm, {x, scale},
                              {{"axis", int64_t{-1}}, {"epsilon", eps}});
    ed.replace_uses(tail.out, y);
    changed = true;
  }
  if (changed) compact(graph);
  return changed;
}

}  // namespace nuri::ir
