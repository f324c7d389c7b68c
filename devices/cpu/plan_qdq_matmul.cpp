// The QDQ form exporters (torch.onnx) give int8 linear layers, Gemm/MatMul over
// DequantizeLinear(x_q) and DequantizeLinear(W_q) (+ a dequantized int32 bias), runs on oneDNN's
// int8 matmul: x_q (u8/s8, per-tensor) against the packed s8 weights, s32 accumulation, then
// f32 out = x_scale * w_scale[n] * acc + bias[n]. The dequantize nodes that only fed the matmul
// are folded away (the weights are no longer dequantized on every run).
#include "compiler/ir/op_params.h"
#include "devices/cpu/plan_context.h"

namespace nuri::cpu {
namespace {

const ir::Node* dequantize_producer(const PlanContext& ctx, ir::ValueId v) {
  if (v == ir::kNoValue || ctx.producer[v] < 0) return nullptr;
  const ir::Node& p = ctx.graph.node(ctx.producer[v]);
  return p.op == ir::OpKind::DequantizeLinear ? &p : nullptr;
}

const Tensor* const_input(const PlanContext& ctx, const ir::Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != ir::kNoValue ? ctx.constant(n.inputs[i]) : nullptr;
}
bool has_input(const ir::Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != ir::kNoValue;
}

int64_t int_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::I8:
      return t.data_as<int8_t>()[i];
    case DType::U8:
      return t.data_as<uint8_t>()[i];
    default:
      return t.data_as<int32_t>()[i];
  }
}

// A dequantize node's per-entry scale and zero point (per tensor or along `axis` of `len`).
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
};
std::optional<QuantParams> quant_params(const PlanContext& ctx, const ir::Node& dq) {
  const Tensor* s = const_input(ctx, dq, 1);
  const Tensor* zp = const_input(ctx, dq, 2);
  if (!s || (has_input(dq, 2) && !zp)) return std::nullopt;
  QuantParams q;
  q.scale.assign(s->data_as<float>(), s->data_as<float>() + s->numel());
  q.zero_point.assign(static_cast<size_t>(s->numel()), 0);
  if (zp)
    for (int64_t i = 0; i < zp->numel(); ++i) q.zero_point[i] = int_at(*zp, i);
  return q;
}

// A bias over N columns: an f32 constant, or the dequantized value of a constant.
std::optional<std::vector<float>> bias_values(const PlanContext& ctx, ir::ValueId v, int64_t n) {
  if (const Tensor* t = ctx.constant(v)) {
    if (t->dtype() != DType::F32 || t->numel() != n || t->shape().back() != n) return std::nullopt;
    return std::vector<float>(t->data_as<float>(), t->data_as<float>() + n);
  }
  const ir::Node* dq = dequantize_producer(ctx, v);
  const Tensor* q = dq ? const_input(ctx, *dq, 0) : nullptr;
  if (!q || q->rank() != 1 || q->numel() != n) return std::nullopt;
  const auto p = quant_params(ctx, *dq);
  if (!p) return std::nullopt;
  std::vector<float> out(static_cast<size_t>(n));
  const bool per = p->scale.size() != 1;  // per channel along the only axis
  for (int64_t j = 0; j < n; ++j)
    out[j] = static_cast<float>(int_at(*q, j) - p->zero_point[per ? j : 0]) * p->scale[per ? j : 0];
  return out;
}

void fold_if_sole_user(PlanContext& ctx, const ir::Node* dq, ir::NodeId user) {
  if (!dq || ctx.sole_user(dq->outputs[0]) != user) return;
  ctx.claimed[ctx.producer[dq->outputs[0]]] = true;
  ctx.is_virtual[dq->outputs[0]] = true;
}

std::optional<Step> plan_one(PlanContext& ctx, ir::NodeId id, const dnnl::engine& engine) {
  const ir::Node& n = ctx.graph.node(id);
  const bool gemm = n.op == ir::OpKind::Gemm;
  if (gemm && (n.attrs.get_int("transA", 0) != 0 || n.attrs.get_float("alpha", 1.0) != 1.0 ||
               n.attrs.get_float("beta", 1.0) != 1.0))
    return std::nullopt;
  const bool trans_b = gemm && n.attrs.get_int("transB", 0) != 0;
  const ir::Node* dq_a = dequantize_producer(ctx, n.inputs[0]);
  const ir::Node* dq_b = dequantize_producer(ctx, n.inputs[1]);
  if (!dq_a || !dq_b) return std::nullopt;
  const ir::TensorType& xq = ctx.type(dq_a->inputs[0]);
  const Tensor* w = const_input(ctx, *dq_b, 0);
  if ((xq.dtype != DType::U8 && xq.dtype != DType::I8) || xq.shape.size() < 2) return std::nullopt;
  if (!w || w->dtype() != DType::I8 || w->rank() != 2) return std::nullopt;
  const auto pa = quant_params(ctx, *dq_a);
  const auto pb = quant_params(ctx, *dq_b);
  if (!pa || !pb || pa->scale.size() != 1) return std::nullopt;
  for (int64_t z : pb->zero_point)
    if (z != 0) return std::nullopt;

  Int8MatmulSpec s;
  s.k = w->shape()[trans_b ? 1 : 0];
  s.n = w->shape()[trans_b ? 0 : 1];
  s.m = xq.numel() / s.k;
  if (xq.shape.back() != s.k || s.m * s.n == 0) return std::nullopt;
  // Per-channel weight scales must run along N ([N, K]: axis 0; [K, N]: axis 1).
  if (pb->scale.size() != 1) {
    const int64_t axis = ir::normalize_axis(dq_b->attrs.get_int("axis", 1), 2, "axis");
    if (static_cast<int64_t>(pb->scale.size()) != s.n || axis != (trans_b ? 0 : 1))
      return std::nullopt;
  }
  s.a_unsigned = xq.dtype == DType::U8;
  s.a_zero_point = pa->zero_point[0] != 0;
  s.b = w->data_as<int8_t>();
  s.b_transposed = trans_b;
  s.out = Int8MatmulSpec::Out::F32;
  for (float ws : pb->scale) s.output_scales.push_back(pa->scale[0] * ws);
  const ir::Node* dq_bias = nullptr;
  if (gemm && has_input(n, 2)) {
    const auto bias = bias_values(ctx, n.inputs[2], s.n);
    if (!bias) return std::nullopt;
    s.bias = *bias;
    dq_bias = dequantize_producer(ctx, n.inputs[2]);
  }

  Step step;
  try {
    step.int8_matmul = std::make_unique<OnednnInt8Matmul>(s, engine);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
  step.kind = StepKind::Int8Matmul;
  step.node = id;
  step.reads.push_back(dq_a->inputs[0]);
  step.a_zp = static_cast<int32_t>(pa->zero_point[0]);
  step.writes.push_back(n.outputs[0]);
  for (const ir::Node* dq : {dq_a, dq_b, dq_bias}) fold_if_sole_user(ctx, dq, id);
  return step;
}

}  // namespace

std::vector<std::optional<Step>> plan_qdq_matmuls(PlanContext& ctx, const dnnl::engine& engine) {
  std::vector<std::optional<Step>> steps(ctx.graph.nodes().size());
  for (ir::NodeId id : ctx.order) {
    const ir::Node& n = ctx.graph.node(id);
    if (ctx.claimed[id] || (n.op != ir::OpKind::Gemm && n.op != ir::OpKind::MatMul)) continue;
    if (ctx.graph.value(n.outputs[0]).type.dtype != DType::F32) continue;
    steps[id] = plan_one(ctx, id, engine);
  }
  return steps;
}

}  // namespace nuri::cpu
