// MatMulInteger / QLinearMatMul -> one oneDNN int8 matmul when the operands fit it: u8/s8 A
// with a per-tensor zero point, constant s8 2-D weights without a zero point (torch's and most
// exporters' symmetric weights), per-tensor A scale. Anything else (per-row zero points or
// scales, weight zero points, u8 or runtime weights) runs on the reference kernels.
#include "devices/cpu/plan_context.h"

namespace nuri::cpu {
namespace {

bool is_scalar_like(const ir::TensorType& t) {
  return t.shape.size() <= 1 && t.numel() == 1;
}

// A constant with every byte zero (an int8/uint8 zero point of 0), or an absent input.
bool zero_or_absent(const PlanContext& ctx, const ir::Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == ir::kNoValue) return true;
  const Tensor* t = ctx.constant(n.inputs[i]);
  if (!t) return false;
  const auto* p = static_cast<const uint8_t*>(t->data());
  for (size_t j = 0; j < t->nbytes(); ++j)
    if (p[j] != 0) return false;
  return true;
}

float scalar_f32(const Tensor& t) {
  return *t.data_as<float>();
}

}  // namespace

std::optional<Step> plan_int8_matmul(PlanContext& ctx, ir::NodeId id, const dnnl::engine& engine) {
  const ir::Node& n = ctx.graph.node(id);
  const bool qlinear = n.op == ir::OpKind::QLinearMatMul;
  const size_t b_i = qlinear ? 3 : 1, a_zp_i = 2, b_zp_i = qlinear ? 5 : 3;
  const ir::TensorType& a = ctx.type(n.inputs[0]);
  const Tensor* b = ctx.constant(n.inputs[b_i]);
  if (!b || b->dtype() != DType::I8 || b->rank() != 2 || a.shape.empty()) return std::nullopt;
  if (!zero_or_absent(ctx, n, b_zp_i)) return std::nullopt;
  const bool has_a_zp = a_zp_i < n.inputs.size() && n.inputs[a_zp_i] != ir::kNoValue;
  if (has_a_zp && !is_scalar_like(ctx.type(n.inputs[a_zp_i]))) return std::nullopt;

  Int8MatmulSpec s;
  s.k = b->shape()[0];
  s.n = b->shape()[1];
  s.m = s.k == 0 ? 0 : a.numel() / s.k;  // A's leading dims flattened into rows
  s.a_unsigned = a.dtype == DType::U8;
  s.a_zero_point = has_a_zp && !zero_or_absent(ctx, n, a_zp_i);
  s.b = b->data_as<int8_t>();
  if (qlinear) {
    const Tensor *as = ctx.constant(n.inputs[1]), *bs = ctx.constant(n.inputs[4]);
    const Tensor *ys = ctx.constant(n.inputs[6]), *yzp = ctx.constant(n.inputs[7]);
    if (!as || !bs || !ys || !yzp || as->numel() != 1) return std::nullopt;
    s.out = Int8MatmulSpec::Out::Quantized;
    // The same f32 expression as the reference: a_scale * b_scale / y_scale.
    for (int64_t j = 0; j < bs->numel(); ++j)
      s.output_scales.push_back(scalar_f32(*as) * bs->data_as<float>()[j] / scalar_f32(*ys));
    s.y_unsigned = yzp->dtype() == DType::U8;
    s.y_zero_point = s.y_unsigned ? *yzp->data_as<uint8_t>() : *yzp->data_as<int8_t>();
  }
  if (s.m * s.n * s.k == 0) return std::nullopt;

  Step step;
  try {
    step.int8_matmul = std::make_unique<OnednnInt8Matmul>(s, engine);
  } catch (const dnnl::error&) {
    return std::nullopt;  // no oneDNN implementation: reference kernel
  }
  step.kind = StepKind::Int8Matmul;
  step.node = id;
  step.reads.push_back(n.inputs[0]);
  if (s.a_zero_point) step.reads.push_back(n.inputs[a_zp_i]);
  step.a_zp_from_input = s.a_zero_point;
  step.a_zp_unsigned = s.a_unsigned;
  step.writes.push_back(n.outputs[0]);
  return step;
}

}  // namespace nuri::cpu
