// Gelu (erf and tanh forms) and Silu fusion.
#include <algorithm>
#include <cmath>

#include "compiler/passes/graph_editor.h"
#include "compiler/passes/passes.h"

namespace nuri::ir {
namespace {

ValueId other(const Node& n, ValueId v) {
  if (n.inputs.size() != 2) return kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return kNoValue;
}

// Operands of a product tree rooted at `v`, expanding Mul nodes (up to `depth` levels).
void mul_leaves(const GraphEditor& ed, ValueId v, int depth, std::vector<ValueId>& out) {
  const Node* m = ed.producer_if(v, OpKind::Mul);
  if (!m || depth == 0) {
    out.push_back(v);
    return;
  }
  mul_leaves(ed, m->inputs[0], depth - 1, out);
  mul_leaves(ed, m->inputs[1], depth - 1, out);
}

// Finds the Mul node computing 0.5 * x * t in any association, starting from t's user.
ValueId half_x_t_root(const GraphEditor& ed, ValueId x, ValueId t) {
  const Node* m1 = ed.sole_user(t);
  if (!m1 || m1->op != OpKind::Mul) return kNoValue;
  std::vector<ValueId> candidates{m1->outputs[0]};
  if (const Node* m2 = ed.sole_user(m1->outputs[0]); m2 && m2->op == OpKind::Mul)
    candidates.push_back(m2->outputs[0]);
  for (ValueId root : candidates) {
    std::vector<ValueId> leaves;
    mul_leaves(ed, root, 2, leaves);
    if (leaves.size() != 3) continue;
    const bool has_x = std::count(leaves.begin(), leaves.end(), x) == 1;
    const bool has_t = std::count(leaves.begin(), leaves.end(), t) == 1;
    const bool has_half =
        std::any_of(leaves.begin(), leaves.end(), [&](ValueId l) { return ed.is_scalar(l, 0.5); });
    if (has_x && has_t && has_half) return root;
  }
  return kNoValue;
}

// t = 1 + f where f is `v`'s sole user's result: returns t or kNoValue.
ValueId one_plus(const GraphEditor& ed, ValueId v) {
  const Node* add = ed.sole_user(v);
  if (!add || add->op != OpKind::Add || !ed.is_scalar(other(*add, v), 1.0)) return kNoValue;
  return add->outputs[0];
}

// erf(x / sqrt2) or erf(x * (1/sqrt2)): x or kNoValue.
ValueId erf_arg(const GraphEditor& ed, const Node& erf) {
  const Node* n = ed.producer(erf.inputs[0]);
  if (!n) return kNoValue;
  if (n->op == OpKind::Div && ed.is_scalar(n->inputs[1], std::sqrt(2.0))) return n->inputs[0];
  if (n->op == OpKind::Mul) {
    for (int s = 0; s < 2; ++s)
      if (ed.is_scalar(n->inputs[s], 1.0 / std::sqrt(2.0))) return n->inputs[1 - s];
  }
  return kNoValue;
}

// tanh(c * (x + 0.044715 * x^3)) with c = sqrt(2/pi): x or kNoValue.
ValueId tanh_arg(const GraphEditor& ed, const Node& tanh) {
  const Node* mul = ed.producer_if(tanh.inputs[0], OpKind::Mul);
  if (!mul) return kNoValue;
  for (int s = 0; s < 2; ++s) {
    if (!ed.is_scalar(mul->inputs[s], std::sqrt(2.0 / M_PI))) continue;
    const Node* add = ed.producer_if(mul->inputs[1 - s], OpKind::Add);
    if (!add) continue;
    for (int a = 0; a < 2; ++a) {
      const ValueId x = add->inputs[a];
      const Node* cube_mul = ed.producer_if(add->inputs[1 - a], OpKind::Mul);
      if (!cube_mul) continue;
      for (int c = 0; c < 2; ++c) {
        if (!ed.is_scalar(cube_mul->inputs[c], 0.044715)) continue;
        const ValueId cube = cube_mul->inputs[1 - c];
        if (const Node* pow = ed.producer_if(cube, OpKind::Pow);
            pow && pow->inputs[0] == x && ed.is_scalar(pow->inputs[1], 3.0, 0))
          return x;
        std::vector<ValueId> leaves;
        mul_leaves(ed, cube, 2, leaves);
        if (leaves.size() == 3 && std::count(leaves.begin(), leaves.end(), x) == 3) return x;
      }
    }
  }
  return kNoValue;
}

}  // namespace

bool fuse_activations(Graph& graph) {
  GraphEditor ed(graph);
  bool changed = false;
  const size_t n_nodes = graph.nodes().size();
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node n = graph.node(static_cast<NodeId>(i));
    ValueId x = kNoValue, root = kNoValue;
    std::string approx;
    if (n.op == OpKind::Erf) {
      x = erf_arg(ed, n);
      approx = "none";
    } else if (n.op == OpKind::Tanh) {
      x = tanh_arg(ed, n);
      approx = "tanh";
    } else if (n.op == OpKind::Sigmoid) {
      // x * sigmoid(x) -> Silu
      const ValueId sx = n.inputs[0];
      for (NodeId u : ed.users(n.outputs[0])) {
        const Node& mul = graph.node(u);
        if (mul.op != OpKind::Mul || other(mul, n.outputs[0]) != sx) continue;
        if (ed.type(sx).dtype != DType::F32) continue;
        const ValueId y = ed.add1(n.name + "/silu", OpKind::Silu, {sx});
        ed.replace_uses(graph.node(u).outputs[0], y);
        changed = true;
        break;
      }
      continue;
    } else {
      continue;
    }
    if (x == kNoValue || ed.type(x).dtype != DType::F32) continue;
    const ValueId t = one_plus(ed, n.outputs[0]);
    if (t != kNoValue) root = half_x_t_root(ed, x, t);
    if (root == kNoValue) continue;
    const ValueId y = ed.add1(n.name + "/gelu", OpKind::Gelu, {x}, {{"approximate", approx}});
    ed.replace_uses(root, y);
    changed = true;
  }
  if (changed) compact(graph);
  return changed;
}

}  // namespace nuri::ir
