// MatMul/Gemm -> one oneDNN matmul, with the following bias Add and Gelu/Relu folded in.
#include <fmt/format.h>

#include "devices/cpu/plan_context.h"

namespace nuri::cpu {
namespace {

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) s[i - 1] = s[i] * dims[i];
  return s;
}

bool batch_is_one(const Shape& s) {
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] != 1) return false;
  return true;
}

// A constant usable as a bias over N output columns: [N], [1, N], [1, 1, N], ...
const Tensor* bias_constant(const PlanContext& ctx, ir::ValueId v, int64_t n) {
  const Tensor* t = ctx.constant(v);
  if (!t || t->dtype() != DType::F32 || t->numel() != n || t->rank() == 0) return nullptr;
  return t->shape().back() == n ? t : nullptr;
}

// Fills the spec's operand dims for MatMul; false when oneDNN cannot take the shapes.
bool matmul_dims(const PlanContext& ctx, const ir::Node& n, MatmulSpec& s) {
  const Shape &a = ctx.type(n.inputs[0]).shape, &b = ctx.type(n.inputs[1]).shape;
  if (a.empty() || b.empty()) return false;
  if (b.size() <= 2 || batch_is_one(b)) {
    // Flatten A's leading dims into M: one 2-D product against a 2-D weight.
    const int64_t k = b.size() == 1 ? b[0] : b[b.size() - 2];
    const int64_t nn = b.size() == 1 ? 1 : b.back();
    const int64_t m = num_elements(a) / k;
    s.a_dims = {m, k};
    s.b_dims = {k, nn};
    s.out_dims = {m, nn};
  } else {
    if (a.size() < 2 || b.size() > 5 || a.size() > 5) return false;
    const size_t r = std::max(a.size(), b.size());
    s.a_dims.assign(r - a.size(), 1);
    s.a_dims.insert(s.a_dims.end(), a.begin(), a.end());
    s.b_dims.assign(r - b.size(), 1);
    s.b_dims.insert(s.b_dims.end(), b.begin(), b.end());
    s.out_dims = ctx.type(n.outputs[0]).shape;
    if (s.out_dims.size() != r) return false;
  }
  s.a_strides = row_major_strides(s.a_dims);
  s.b_strides = row_major_strides(s.b_dims);
  return true;
}

bool gemm_dims(const PlanContext& ctx, const ir::Node& n, MatmulSpec& s) {
  const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
  const Shape& out = ctx.type(n.outputs[0]).shape;
  const Shape& a = ctx.type(n.inputs[0]).shape;
  const int64_t m = out[0], nn = out[1], k = ta ? a[0] : a[1];
  s.a_dims = {m, k};
  s.a_strides = ta ? std::vector<int64_t>{1, m} : std::vector<int64_t>{k, 1};
  s.b_dims = {k, nn};
  s.b_strides = tb ? std::vector<int64_t>{1, k} : std::vector<int64_t>{nn, 1};
  s.out_dims = {m, nn};
  const auto alpha = static_cast<float>(n.attrs.get_float("alpha", 1.0));
  const auto beta = static_cast<float>(n.attrs.get_float("beta", 1.0));
  if (alpha != 1.0f) {
    if (!s.b_const) return false;  // folded into the packed weights only
    s.b_scale = alpha;
  }
  if (n.inputs.size() < 3 || n.inputs[2] == ir::kNoValue || beta == 0.0f) return true;
  const ir::ValueId c = n.inputs[2];
  const Shape& cs = ctx.type(c).shape;
  if (const Tensor* t = ctx.constant(c); t && (t->numel() == 1 || bias_constant(ctx, c, nn))) {
    s.bias.resize(nn);
    for (int64_t j = 0; j < nn; ++j)
      s.bias[j] = beta * t->data_as<float>()[t->numel() == 1 ? 0 : j];
    return true;
  }
  if (beta != 1.0f || cs.size() > 2) return false;
  s.addend_dims.assign(2 - cs.size(), 1);
  s.addend_dims.insert(s.addend_dims.end(), cs.begin(), cs.end());
  return true;
}

}  // namespace

std::optional<Step> plan_matmul(PlanContext& ctx, ir::NodeId id, const CpuOptions& options,
                                bool bf16, const dnnl::engine& engine) {
  const ir::Node& n = ctx.graph.node(id);
  if (!ctx.all_f32(n)) return std::nullopt;
  MatmulSpec s;
  // The weights' bytes where they lie (no aligned copy): the primitive packs from them.
  if (const Tensor* b = ctx.constant(n.inputs[1])) s.b_const = b->bytes();
  s.staging = &ctx.weight_staging;
  const bool is_gemm = n.op == ir::OpKind::Gemm;
  if (!(is_gemm ? gemm_dims(ctx, n, s) : matmul_dims(ctx, n, s))) return std::nullopt;
  const bool a_plain = s.a_strides.back() == 1;
  s.bf16 = bf16 && s.b_const && a_plain;

  // Fold a following bias Add and activation into post-ops.
  std::vector<ir::NodeId> fused;
  ir::ValueId out = n.outputs[0];
  const int64_t cols = s.out_dims.back();
  if (options.fuse && s.bias.empty() && s.addend_dims.empty()) {
    if (auto u = ctx.sole_user(out); u && ctx.graph.node(*u).op == ir::OpKind::Add) {
      const ir::Node& add = ctx.graph.node(*u);
      const ir::ValueId other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
      const Tensor* bias = bias_constant(ctx, other, cols);
      if (bias && ctx.type(add.outputs[0]) == ctx.type(out)) {
        s.bias.assign(bias->data_as<float>(), bias->data_as<float>() + cols);
        fused.push_back(*u);
        out = add.outputs[0];
      }
    }
  }
  if (options.fuse) {
    if (auto u = ctx.sole_user(out); u && ctx.all_f32(ctx.graph.node(*u))) {
      const ir::Node& act = ctx.graph.node(*u);
      if (act.op == ir::OpKind::Gelu)
        s.activation = act.attrs.get_string("approximate", "none") == "tanh"
                           ? MatmulActivation::GeluTanh
                           : MatmulActivation::GeluErf;
      else if (act.op == ir::OpKind::Relu)
        s.activation = MatmulActivation::Relu;
      if (s.activation != MatmulActivation::None) {
        fused.push_back(*u);
        out = act.outputs[0];
      }
    }
  }

  // A residual `out + r` (r computed earlier, same type) becomes a binary post-op.
  ir::ValueId residual = ir::kNoValue;
  if (options.fuse && s.addend_dims.empty()) {
    if (auto u = ctx.sole_user(out); u && ctx.graph.node(*u).op == ir::OpKind::Add) {
      const ir::Node& add = ctx.graph.node(*u);
      const ir::ValueId r = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
      const ir::NodeId rp = ctx.producer[r];
      if (r != out && ctx.type(r) == ctx.type(out) && ctx.type(add.outputs[0]) == ctx.type(out) &&
          !ctx.is_virtual[r] && (rp < 0 || ctx.position[rp] < ctx.position[id])) {
        residual = r;
        s.addend_dims = s.out_dims;
        fused.push_back(*u);
        out = add.outputs[0];
      }
    }
  }

  Step step;
  // Few rows against constant weights (a decode step): the panel GEMV streams each weight byte
  // once (oneDNN's f32 kernels read them at about half the rate). bf16 stays on oneDNN.
  if (options.int8_weights || (options.gemv && !s.bf16))
    step.gemv = GemvMatmul::create(s, options.int8_weights);
  if (step.gemv) {
    step.kind = StepKind::Gemv;
  } else {
    try {
      step.matmul = std::make_unique<OnednnMatmul>(s, engine);
    } catch (const dnnl::error&) {
      return std::nullopt;  // no oneDNN implementation for these shapes: reference kernel
    }
    step.kind = StepKind::Matmul;
  }
  step.node = id;
  step.fused = fused;
  for (ir::NodeId f : fused) ctx.claimed[f] = true;
  step.reads.push_back(n.inputs[0]);
  if (!s.b_const) {
    step.reads.push_back(n.inputs[1]);
    step.matmul_runtime_b = true;
  }
  if (!s.addend_dims.empty()) {
    step.reads.push_back(residual != ir::kNoValue ? residual : n.inputs[2]);
    step.matmul_addend = true;
  }
  step.writes.push_back(out);
  return step;
}

}  // namespace nuri::cpu
