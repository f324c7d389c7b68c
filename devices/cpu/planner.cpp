#include "devices/cpu/planner.h"

#include "compiler/ir/op_params.h"
#include "devices/cpu/plan_context.h"

namespace nuri::cpu {

PlanContext::PlanContext(const ir::Graph& g, const std::vector<ir::NodeId>& ord)
    : graph(g),
      order(ord),
      producer(g.producers()),
      consumers(g.values().size()),
      is_output(g.values().size(), false),
      claimed(g.nodes().size(), false),
      is_virtual(g.values().size(), false),
      position(g.nodes().size(), 0) {
  for (size_t i = 0; i < ord.size(); ++i) position[ord[i]] = i;
  for (ir::NodeId id = 0; id < static_cast<ir::NodeId>(g.nodes().size()); ++id)
    for (ir::ValueId v : g.node(id).inputs)
      if (v != ir::kNoValue) consumers[v].push_back(id);
  for (ir::ValueId v : g.outputs()) is_output[v] = true;
}

bool PlanContext::all_f32(const ir::Node& n) const {
  for (ir::ValueId v : n.inputs)
    if (v != ir::kNoValue && !is_f32(v)) return false;
  for (ir::ValueId v : n.outputs)
    if (!is_f32(v)) return false;
  return true;
}

std::optional<ir::NodeId> PlanContext::sole_user(ir::ValueId v) const {
  if (is_output[v] || consumers[v].size() != 1) return std::nullopt;
  return consumers[v][0];
}

const Tensor* PlanContext::constant(ir::ValueId v) const {
  const ir::Value& val = graph.value(v);
  return val.kind == ir::ValueKind::Constant ? val.data.get() : nullptr;
}

namespace {

std::optional<fast::Activation> activation_of(const ir::Node& n) {
  switch (n.op) {
    case ir::OpKind::Relu:
      return fast::Activation::Relu;
    case ir::OpKind::Gelu:
      return n.attrs.get_string("approximate", "none") == "tanh" ? fast::Activation::GeluTanh
                                                                 : fast::Activation::GeluErf;
    case ir::OpKind::Silu:
      return fast::Activation::Silu;
    case ir::OpKind::Sigmoid:
      return fast::Activation::Sigmoid;
    case ir::OpKind::Tanh:
      return fast::Activation::Tanh;
    case ir::OpKind::Exp:
      return fast::Activation::Exp;
    default:
      return std::nullopt;
  }
}

std::optional<fast::Binary> binary_of(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::Add:
      return fast::Binary::Add;
    case ir::OpKind::Sub:
      return fast::Binary::Sub;
    case ir::OpKind::Mul:
      return fast::Binary::Mul;
    case ir::OpKind::Div:
      return fast::Binary::Div;
    default:
      return std::nullopt;
  }
}

// b's dims (leading 1s dropped) are a's trailing dims: b repeats along a's rows.
bool is_trailing(const Shape& a, const Shape& b) {
  size_t lead = 0;
  while (lead < b.size() && b[lead] == 1) ++lead;
  const size_t n = b.size() - lead;
  if (n > a.size()) return false;
  for (size_t i = 0; i < n; ++i)
    if (b[lead + i] != a[a.size() - n + i]) return false;
  return true;
}

std::optional<Step> plan_binary(const PlanContext& ctx, ir::NodeId id) {
  const ir::Node& n = ctx.graph.node(id);
  const auto op = binary_of(n.op);
  if (!op || !ctx.all_f32(n)) return std::nullopt;
  ir::ValueId a = n.inputs[0], b = n.inputs[1];
  const Shape& out = ctx.type(n.outputs[0]).shape;
  const bool commutative = *op == fast::Binary::Add || *op == fast::Binary::Mul;
  if (ctx.type(a).shape != out && commutative) std::swap(a, b);
  const Shape &as = ctx.type(a).shape, &bs = ctx.type(b).shape;
  if (as != out) return std::nullopt;
  Step s;
  s.kind = StepKind::Binary;
  s.node = id;
  s.binary = *op;
  s.reads = {a, b};
  s.writes = {n.outputs[0]};
  const int64_t total = num_elements(out);
  if (num_elements(bs) == 1) {
    s.scalar_b = true;
    s.rows = 1;
    s.cols = total;
  } else if (bs == as) {
    s.cols = out.empty() ? 1 : out.back();
    s.rows = total / std::max<int64_t>(s.cols, 1);
    s.b_row_stride = s.cols;
  } else if (is_trailing(as, bs)) {
    s.cols = num_elements(bs);
    s.rows = total / s.cols;
    s.b_row_stride = 0;
  } else {
    return std::nullopt;
  }
  return s;
}

std::optional<Step> plan_row_op(const PlanContext& ctx, ir::NodeId id, const CpuOptions& options) {
  const ir::Node& n = ctx.graph.node(id);
  if (!ctx.all_f32(n)) return std::nullopt;
  Step s;
  s.node = id;
  s.writes = {n.outputs[0]};
  const auto out_bytes = static_cast<int64_t>(ctx.type(n.outputs[0]).nbytes());
  s.streaming_out = options.streaming_store_bytes > 0 && out_bytes >= options.streaming_store_bytes;
  for (ir::ValueId v : n.inputs)
    if (v != ir::kNoValue) s.reads.push_back(v);
  const Shape& x = ctx.type(n.inputs[0]).shape;
  if (auto act = activation_of(n)) {
    s.kind = StepKind::Activation;
    s.act = *act;
    s.rows = 1;
    s.cols = num_elements(x);
    return s;
  }
  if (x.empty()) return std::nullopt;
  if (n.op == ir::OpKind::Softmax) {
    if (ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis") !=
        static_cast<int64_t>(x.size()) - 1)
      return std::nullopt;
    s.kind = StepKind::Softmax;
    s.cols = x.back();
    s.rows = num_elements(x) / std::max<int64_t>(s.cols, 1);
    return s;
  }
  if (n.op == ir::OpKind::LayerNorm || n.op == ir::OpKind::RMSNorm) {
    const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
    const ir::RowsCols rc = ir::split_at(x, axis);
    for (size_t i = 1; i < n.inputs.size(); ++i)
      if (n.inputs[i] != ir::kNoValue && ctx.type(n.inputs[i]).numel() != rc.cols)
        return std::nullopt;
    s.kind = n.op == ir::OpKind::LayerNorm ? StepKind::LayerNorm : StepKind::RMSNorm;
    s.rows = rc.rows;
    s.cols = rc.cols;
    s.eps = static_cast<float>(n.attrs.get_float("epsilon", 1e-5));
    return s;
  }
  return std::nullopt;
}

Step reference_step(const ir::Node& n, ir::NodeId id) {
  Step s;
  s.kind = StepKind::Reference;
  s.node = id;
  for (ir::ValueId v : n.inputs)
    if (v != ir::kNoValue) s.reads.push_back(v);
  s.writes = n.outputs;
  return s;
}

}  // namespace

ProgramPlan plan_program(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                         const CpuOptions& options, bool bf16, const dnnl::engine& engine) {
  PlanContext ctx(graph, order);
  ProgramPlan plan;
  plan.root.resize(graph.values().size());
  plan.offset.assign(graph.values().size(), 0);
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(plan.root.size()); ++v) plan.root[v] = v;
  std::vector<std::optional<Step>> attention = plan_attention(ctx, options);
  std::vector<std::optional<Step>> qdq = plan_qdq_matmuls(ctx, engine);

  for (ir::NodeId id : order) {
    if (ctx.claimed[id]) continue;
    const ir::Node& n = graph.node(id);
    if (ir::is_reshape_like(n.op)) {
      // Same bytes, new shape: the output shares the input's buffer.
      plan.root[n.outputs[0]] = n.inputs[0];
      continue;
    }
    if (options.fuse && (plan_gather_view(ctx, id, plan) || plan_concat_in_place(ctx, id, plan)))
      continue;
    std::optional<Step> step;
    if (attention[id]) step = std::move(attention[id]);
    if (qdq[id]) step = std::move(qdq[id]);
    if (!step && (n.op == ir::OpKind::MatMul || n.op == ir::OpKind::Gemm))
      step = plan_matmul(ctx, id, options, bf16, engine);
    if (!step && (n.op == ir::OpKind::MatMulInteger || n.op == ir::OpKind::QLinearMatMul))
      step = plan_int8_matmul(ctx, id, engine);
    if (!step) step = plan_binary(ctx, id);
    if (!step) step = plan_row_op(ctx, id, options);
    if (!step) step = reference_step(n, id);
    plan.steps.push_back(std::move(*step));
  }
  std::vector<Alias> resolved;
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(plan.root.size()); ++v)
    resolved.push_back(resolve_alias(plan, v));
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(plan.root.size()); ++v) {
    plan.root[v] = ctx.is_virtual[v] ? ir::kNoValue : resolved[v].root;
    plan.offset[v] = resolved[v].offset;
  }
  return plan;
}

}  // namespace nuri::cpu
