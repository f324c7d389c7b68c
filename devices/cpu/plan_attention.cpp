// Attention operands as strided views. GPT-style graphs feed attention through
//   qkv[B,S,3C] -Split-> x[B,S,C] -Reshape-> [B,S,H,D] -Transpose(0,2,1,3)-> q[B,H,S,D]
// and read it back through Transpose(0,2,1,3) -> Reshape. Each of those copies is a strided
// view, so the kernel reads qkv and writes [B,S,H,Dv] directly and the copies are skipped.
#include <array>
#include <cmath>
#include <map>

#include "compiler/ir/op_params.h"
#include "devices/cpu/plan_context.h"

namespace nuri::cpu {
namespace {

bool is_perm_0213(const PlanContext& ctx, const ir::Node& n) {
  if (n.op != ir::OpKind::Transpose || ctx.type(n.inputs[0]).shape.size() != 4) return false;
  return ir::resolve_perm(4, n.attrs) == std::vector<int64_t>{0, 2, 1, 3};
}

ViewRef contiguous(const PlanContext& ctx, ir::ValueId v) {
  const Shape& s = ctx.type(v).shape;  // [B, H, S, D]
  return {v, 0, {s[1] * s[2] * s[3], s[2] * s[3], s[3]}};
}

// One operand's chain back to a materialized buffer.
struct Chain {
  ViewRef view;
  std::vector<ir::NodeId> nodes;    // Transpose/Reshape to skip
  std::vector<ir::ValueId> values;  // their outputs (virtual)
  ir::NodeId split = -1;            // the Split read through, if any
  ir::ValueId split_part = ir::kNoValue;
  ViewRef part_view;  // the view rooted at split_part (if the Split must run)
};

Chain input_chain(const PlanContext& ctx, ir::ValueId t) {
  Chain c{contiguous(ctx, t), {}, {}, -1, ir::kNoValue, {}};
  const ir::NodeId tp = ctx.producer[t];
  if (tp < 0 || !is_perm_0213(ctx, ctx.graph.node(tp)) || !ctx.sole_user(t)) return c;
  const ir::ValueId r = ctx.graph.node(tp).inputs[0];
  const Shape& rs = ctx.type(r).shape;  // [B, S, H, D]
  c.view = {r, 0, {rs[1] * rs[2] * rs[3], rs[3], rs[2] * rs[3]}};
  c.nodes = {tp};
  c.values = {t};
  const ir::NodeId rp = ctx.producer[r];
  if (rp < 0 || ctx.graph.node(rp).op != ir::OpKind::Reshape || !ctx.sole_user(r)) return c;
  const ir::ValueId x = ctx.graph.node(rp).inputs[0];
  const Shape& xs = ctx.type(x).shape;  // [B, S, H*D]
  if (xs.size() != 3 || xs[0] != rs[0] || xs[1] != rs[1] || xs[2] != rs[2] * rs[3]) return c;
  c.view = {x, 0, {xs[1] * xs[2], rs[3], xs[2]}};
  c.nodes.push_back(rp);
  c.values.push_back(r);
  const ir::NodeId sp = ctx.producer[x];
  if (sp < 0 || !ctx.sole_user(x)) return c;
  const ir::Node& split = ctx.graph.node(sp);
  if (split.op != ir::OpKind::Split) return c;
  const Shape& zs = ctx.type(split.inputs[0]).shape;  // [B, S, Cz]
  if (zs.size() != 3 || ir::normalize_axis(split.attrs.get_int("axis", 0), 3, "axis") != 2)
    return c;
  const auto sizes =
      ir::resolve_split(zs, 2, split.attrs, static_cast<int64_t>(split.outputs.size()));
  int64_t offset = 0;
  for (size_t i = 0; i < split.outputs.size() && split.outputs[i] != x; ++i) offset += sizes[i];
  c.part_view = c.view;
  c.split = sp;
  c.split_part = x;
  c.view = {split.inputs[0], offset, {zs[1] * zs[2], rs[3], zs[2]}};
  return c;
}

// Bytes one run reads or writes at the least: the constants and the graph's inputs and outputs.
int64_t run_bytes(const PlanContext& ctx) {
  int64_t bytes = 0;
  for (const ir::Value& v : ctx.graph.values())
    if (v.kind == ir::ValueKind::Constant) bytes += static_cast<int64_t>(v.type.nbytes());
  for (ir::ValueId v : ctx.graph.inputs()) bytes += static_cast<int64_t>(ctx.type(v).nbytes());
  for (ir::ValueId v : ctx.graph.outputs()) bytes += static_cast<int64_t>(ctx.type(v).nbytes());
  return bytes;
}

}  // namespace

std::vector<std::optional<Step>> plan_attention(PlanContext& ctx, const CpuOptions& options) {
  std::vector<std::optional<Step>> steps(ctx.graph.nodes().size());
  std::map<ir::NodeId, std::vector<Chain*>> split_users;
  std::vector<std::array<Chain, 3>> chains(ctx.graph.nodes().size());
  // A present cache written past the last-level cache's size of traffic per run is evicted
  // before the next step reads it back: non-temporal stores skip its read for ownership.
  const bool stream_present =
      options.streaming_store_bytes > 0 && run_bytes(ctx) >= options.streaming_store_bytes;
  for (ir::NodeId id : ctx.order) {
    const ir::Node& n = ctx.graph.node(id);
    if (n.op != ir::OpKind::Attention) continue;
    const auto has = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] != ir::kNoValue; };
    bool f32 = true;  // every operand but kv_len (i64)
    for (size_t i = 0; i < n.inputs.size(); ++i)
      f32 = f32 && (i == 6 || !has(i) || ctx.is_f32(n.inputs[i]));
    for (ir::ValueId o : n.outputs) f32 = f32 && ctx.is_f32(o);
    if (!f32) continue;
    // No mask; a KV cache (past in, present out) is appended by the step itself.
    const bool cache = has(4) && has(5) && n.outputs.size() == 3;
    if (has(3) || n.inputs.size() > 7 || (!cache && (has(4) || n.outputs.size() != 1))) continue;
    const Shape &q = ctx.type(n.inputs[0]).shape, &k = ctx.type(n.inputs[1]).shape,
                &v = ctx.type(n.inputs[2]).shape;
    Step s;
    s.kind = StepKind::Attention;
    s.node = id;
    fast::AttentionArgs& a = s.attn;
    a.batch = q[0];
    a.q_heads = q[1];
    a.kv_heads = k[1];
    a.q_len = q[2];
    s.kv_cache = cache;
    s.kv_in_place = cache && has(6);
    s.stream_present = cache && stream_present;
    s.past_len = cache ? ctx.type(n.inputs[4]).shape[2] : 0;
    a.kv_len = s.past_len + k[2];
    a.head_dim = q[3];
    a.v_head_dim = v[3];
    a.causal = n.attrs.get_int("causal", 0) != 0;
    a.scale = static_cast<float>(n.attrs.get_float(
        "scale", 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(q[3], 1)))));
    for (int i = 0; i < 3; ++i) {
      chains[id][i] = options.fuse ? input_chain(ctx, n.inputs[i])
                                   : Chain{contiguous(ctx, n.inputs[i]), {}, {}, -1, -1, {}};
      if (chains[id][i].split >= 0) split_users[chains[id][i].split].push_back(&chains[id][i]);
    }
    // Output: write [B, S, H, Dv] straight into a following Transpose(0,2,1,3)'s buffer.
    const ir::ValueId o = n.outputs[0];
    s.out = contiguous(ctx, o);
    if (auto u = ctx.sole_user(o); options.fuse && u && is_perm_0213(ctx, ctx.graph.node(*u))) {
      const ir::ValueId t = ctx.graph.node(*u).outputs[0];
      const Shape& ts = ctx.type(t).shape;
      s.out = {t, 0, {ts[1] * ts[2] * ts[3], ts[3], ts[2] * ts[3]}};
      ctx.claimed[*u] = true;
      ctx.is_virtual[o] = true;
    }
    s.writes = {s.out.root};
    if (cache) s.writes.insert(s.writes.end(), {n.outputs[1], n.outputs[2]});
    steps[id] = std::move(s);
  }
  // A Split is skipped only when attention reads every one of its parts in place; otherwise
  // it runs and the chains through it start at its outputs.
  for (auto& [split, users] : split_users) {
    const ir::Node& sn = ctx.graph.node(split);
    bool all = true;
    for (ir::ValueId part : sn.outputs) {
      bool found = false;
      for (Chain* c : users) found = found || c->split_part == part;
      all = all && found;
    }
    if (all) {
      ctx.claimed[split] = true;
      for (Chain* c : users) c->values.push_back(c->split_part);
    } else {
      for (Chain* c : users) c->view = c->part_view;
    }
  }
  for (ir::NodeId id = 0; id < static_cast<ir::NodeId>(steps.size()); ++id) {
    if (!steps[id]) continue;
    Step& s = *steps[id];
    ViewRef* views[3] = {&s.q, &s.k, &s.v};
    for (int i = 0; i < 3; ++i) {
      const Chain& c = chains[id][i];
      *views[i] = c.view;
      for (ir::NodeId nid : c.nodes) ctx.claimed[nid] = true;
      for (ir::ValueId v : c.values) ctx.is_virtual[v] = true;
      s.reads.push_back(c.view.root);
    }
    if (s.kv_cache) {
      const ir::Node& n = ctx.graph.node(id);
      s.reads.insert(s.reads.end(), {n.inputs[4], n.inputs[5]});
      if (s.kv_in_place) s.reads.push_back(n.inputs[6]);
    }
  }
  return steps;
}

}  // namespace nuri::cpu
