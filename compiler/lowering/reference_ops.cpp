#include "compiler/lowering/reference_ops.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "compiler/ir/op_params.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/half.h"
#include "kernels/cpu/layout.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/matmul_integer.h"
#include "kernels/cpu/normalize.h"
#include "kernels/cpu/quantize.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/rotary.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

namespace k = nuri::kernels;

[[noreturn]] void fail(const Node& n, const std::string& msg) {
  throw Error(fmt::format("node '{}' ({}): {}", n.name, op_name(n.op), msg));
}

const float* f32(const NodeOperands& io, size_t i) {
  return static_cast<const float*>(io.in[i]);
}
float* f32_out(const NodeOperands& io, size_t i) {
  return static_cast<float*>(io.out[i]);
}
const Shape& in_shape(const NodeOperands& io, size_t i) {
  return io.in_types[i]->shape;
}
const Shape& out_shape(const NodeOperands& io, size_t i) {
  return io.out_types[i]->shape;
}
bool has_in(const NodeOperands& io, size_t i) {
  return i < io.in.size() && io.in[i] != nullptr;
}

k::UnaryOp unary_kind(const Node& n) {
  switch (n.op) {
    case OpKind::Sqrt:
      return k::UnaryOp::Sqrt;
    case OpKind::Exp:
      return k::UnaryOp::Exp;
    case OpKind::Erf:
      return k::UnaryOp::Erf;
    case OpKind::Tanh:
      return k::UnaryOp::Tanh;
    case OpKind::Neg:
      return k::UnaryOp::Neg;
    case OpKind::Reciprocal:
      return k::UnaryOp::Reciprocal;
    case OpKind::Relu:
      return k::UnaryOp::Relu;
    case OpKind::Silu:
      return k::UnaryOp::Silu;
    case OpKind::Sigmoid:
      return k::UnaryOp::Sigmoid;
    case OpKind::Gelu:
      return n.attrs.get_string("approximate", "none") == "tanh" ? k::UnaryOp::GeluTanh
                                                                 : k::UnaryOp::GeluErf;
    default:
      fail(n, "not a unary op");
  }
}

k::BinaryOp binary_kind(const Node& n) {
  switch (n.op) {
    case OpKind::Add:
      return k::BinaryOp::Add;
    case OpKind::Sub:
      return k::BinaryOp::Sub;
    case OpKind::Mul:
      return k::BinaryOp::Mul;
    case OpKind::Div:
      return k::BinaryOp::Div;
    case OpKind::Pow:
      return k::BinaryOp::Pow;
    default:
      fail(n, "not a binary op");
  }
}

template <typename T>
void run_binary(const Node& n, const NodeOperands& io) {
  const T* a = static_cast<const T*>(io.in[0]);
  const T* b = static_cast<const T*>(io.in[1]);
  if constexpr (std::is_integral_v<T>) {
    if (n.op == OpKind::Div) {
      const int64_t nb = num_elements(in_shape(io, 1));
      for (int64_t i = 0; i < nb; ++i)
        if (b[i] == 0) fail(n, "integer division by zero");
    }
  }
  k::binary<T>(binary_kind(n), a, in_shape(io, 0), b, in_shape(io, 1), static_cast<T*>(io.out[0]),
               out_shape(io, 0));
}

template <typename T>
void run_equal(const NodeOperands& io) {
  k::equal<T>(static_cast<const T*>(io.in[0]), in_shape(io, 0), static_cast<const T*>(io.in[1]),
              in_shape(io, 1), static_cast<uint8_t*>(io.out[0]), out_shape(io, 0));
}

std::vector<int64_t> indices_as_i64(const NodeOperands& io, size_t i) {
  const int64_t n = num_elements(in_shape(io, i));
  std::vector<int64_t> idx(n);
  if (n == 0) return idx;  // an empty index tensor may come with no buffer at all
  if (io.in_types[i]->dtype == DType::I64) {
    std::memcpy(idx.data(), io.in[i], n * sizeof(int64_t));
  } else {
    const auto* p = static_cast<const int32_t*>(io.in[i]);
    for (int64_t j = 0; j < n; ++j) idx[j] = p[j];
  }
  return idx;
}

// Attention over a cache updated in place (kv_len given): rows [n, n+S) of present take the new
// keys/values (present may be past's own memory), then each kv head's first n+S rows are
// attended by its group of query heads.
void run_attention_in_place(const Node& n, const NodeOperands& io) {
  const Shape &q = in_shape(io, 0), &kk = in_shape(io, 1), &v = in_shape(io, 2);
  const int64_t cap = in_shape(io, 4)[2], valid = *static_cast<const int64_t*>(io.in[6]);
  const int64_t b = q[0], hq = q[1], s = q[2], d = q[3], hkv = kk[1], dv = v[3];
  if (valid < 0 || valid + s > cap)
    fail(n, fmt::format("kv_len {} + {} new entries do not fit the cache's capacity {}", valid, s,
                        cap));
  float* present[2] = {f32_out(io, 1), f32_out(io, 2)};
  const float* past[2] = {f32(io, 4), f32(io, 5)};
  const float* fresh[2] = {f32(io, 1), f32(io, 2)};
  const int64_t width[2] = {d, dv};
  for (int x = 0; x < 2; ++x) {
    const size_t block = static_cast<size_t>(cap * width[x]);
    for (int64_t h = 0; h < b * hkv; ++h) {
      float* dst = present[x] + h * block;
      if (dst != past[x] + h * block) std::memcpy(dst, past[x] + h * block, block * sizeof(float));
      std::memcpy(dst + valid * width[x], fresh[x] + h * s * width[x],
                  static_cast<size_t>(s * width[x]) * sizeof(float));
    }
  }
  k::AttentionDims dims;
  dims.batch = 1;
  dims.q_heads = hq / hkv;
  dims.kv_heads = 1;
  dims.q_len = s;
  dims.kv_len = valid + s;
  dims.head_dim = d;
  dims.v_head_dim = dv;
  dims.causal = n.attrs.get_int("causal", 0) != 0;
  dims.scale = static_cast<float>(
      n.attrs.get_float("scale", 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(d, 1)))));
  const int64_t group = hq / hkv;
  for (int64_t g = 0; g < b * hkv; ++g)
    k::attention(dims, f32(io, 0) + g * group * s * d, present[0] + g * cap * d,
                 present[1] + g * cap * dv, {}, f32_out(io, 0) + g * group * s * dv);
}

void run_attention(const Node& n, const NodeOperands& io) {
  if (has_in(io, 6)) return run_attention_in_place(n, io);
  const Shape &q = in_shape(io, 0), &kk = in_shape(io, 1), &v = in_shape(io, 2);
  const bool has_past = has_in(io, 4);
  const int64_t past = has_past ? in_shape(io, 4)[2] : 0;
  k::AttentionDims d;
  d.batch = q[0];
  d.q_heads = q[1];
  d.kv_heads = kk[1];
  d.q_len = q[2];
  d.kv_len = past + kk[2];
  d.head_dim = q[3];
  d.v_head_dim = v[3];
  d.causal = n.attrs.get_int("causal", 0) != 0;
  d.scale = static_cast<float>(
      n.attrs.get_float("scale", 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(q[3], 1)))));
  // Keys/values over all positions: past ++ new, written to present outputs when asked for.
  const float* k_all = f32(io, 1);
  const float* v_all = f32(io, 2);
  std::vector<float> k_tmp, v_tmp;
  if (has_past || io.out.size() == 3) {
    const Shape k_all_shape{d.batch, d.kv_heads, d.kv_len, d.head_dim};
    const Shape v_all_shape{d.batch, d.kv_heads, d.kv_len, d.v_head_dim};
    float* k_dst = io.out.size() == 3 ? f32_out(io, 1) : nullptr;
    float* v_dst = io.out.size() == 3 ? f32_out(io, 2) : nullptr;
    if (!k_dst) {
      k_tmp.resize(num_elements(k_all_shape));
      v_tmp.resize(num_elements(v_all_shape));
      k_dst = k_tmp.data();
      v_dst = v_tmp.data();
    }
    if (has_past) {
      const void* ks[] = {io.in[4], io.in[1]};
      const k::Dims kshapes[] = {in_shape(io, 4), kk};
      k::concat(ks, kshapes, 2, k_dst, sizeof(float));
      const void* vs[] = {io.in[5], io.in[2]};
      const k::Dims vshapes[] = {in_shape(io, 5), v};
      k::concat(vs, vshapes, 2, v_dst, sizeof(float));
    } else {
      std::memcpy(k_dst, io.in[1], num_elements(kk) * sizeof(float));
      std::memcpy(v_dst, io.in[2], num_elements(v) * sizeof(float));
    }
    k_all = k_dst;
    v_all = v_dst;
  }
  k::AttentionMask mask;
  if (has_in(io, 3)) {
    const Shape scores{d.batch, d.q_heads, d.q_len, d.kv_len};
    const std::vector<int64_t> strides = k::broadcast_strides(in_shape(io, 3), scores);
    for (int i = 0; i < 4; ++i) mask.strides[i] = strides[i];
    if (io.in_types[3]->dtype == DType::Bool)
      mask.allowed = static_cast<const uint8_t*>(io.in[3]);
    else
      mask.additive = f32(io, 3);
  }
  k::attention(d, f32(io, 0), k_all, v_all, mask, f32_out(io, 0));
}

void run_rotary(const Node& n, const NodeOperands& io) {
  const Shape& x = in_shape(io, 0);
  k::RotaryDims d{x[0],
                  x[1],
                  x[2],
                  x[3],
                  n.attrs.get_int("rotary_dim", 0),
                  n.attrs.get_int("interleaved", 0) != 0};
  if (d.rotary_dim == 0) d.rotary_dim = x[3];
  const Shape& cs = in_shape(io, 1);
  const int64_t* pos = has_in(io, 3) ? static_cast<const int64_t*>(io.in[3]) : nullptr;
  const int64_t max_pos = pos ? cs[0] : 0;
  const int64_t batch_stride = !pos && cs.size() == 3 && cs[0] != 1 ? cs[1] * cs[2] : 0;
  if (!k::rotary_embedding(d, f32(io, 0), f32(io, 1), f32(io, 2), pos, max_pos, batch_stride,
                           f32_out(io, 0)))
    fail(n, fmt::format("a position id is outside [0, {})", max_pos));
}

void run_quant(const Node& n, const NodeOperands& io) {
  const Shape& x = in_shape(io, 0);
  const bool per_tensor = num_elements(in_shape(io, 1)) == 1 && in_shape(io, 1).size() <= 1;
  int64_t outer = 1, channels = 1, inner = num_elements(x);
  if (!per_tensor) {
    const int64_t axis = normalize_axis(n.attrs.get_int("axis", 1), x.size(), "axis");
    channels = x[axis];
    outer = split_at(x, axis).rows;
    inner = split_at(x, axis + 1).cols;
  }
  const void* zp = has_in(io, 2) ? io.in[2] : nullptr;
  if (n.op == OpKind::QuantizeLinear) {
    if (io.out_types[0]->dtype == DType::U8)
      k::quantize_linear(f32(io, 0), f32(io, 1), static_cast<const uint8_t*>(zp),
                         static_cast<uint8_t*>(io.out[0]), outer, channels, inner);
    else
      k::quantize_linear(f32(io, 0), f32(io, 1), static_cast<const int8_t*>(zp),
                         static_cast<int8_t*>(io.out[0]), outer, channels, inner);
    return;
  }
  switch (io.in_types[0]->dtype) {
    case DType::U8:
      return k::dequantize_linear(static_cast<const uint8_t*>(io.in[0]), f32(io, 1),
                                  static_cast<const uint8_t*>(zp), f32_out(io, 0), outer, channels,
                                  inner);
    case DType::I32:
      return k::dequantize_linear(static_cast<const int32_t*>(io.in[0]), f32(io, 1),
                                  static_cast<const int32_t*>(zp), f32_out(io, 0), outer, channels,
                                  inner);
    default:
      return k::dequantize_linear(static_cast<const int8_t*>(io.in[0]), f32(io, 1),
                                  static_cast<const int8_t*>(zp), f32_out(io, 0), outer, channels,
                                  inner);
  }
}

// Operand `i` of an integer matmul with its zero point at input `zp_i` (absent: 0).
k::QuantOperand quant_operand(const NodeOperands& io, size_t i, size_t zp_i) {
  k::QuantOperand q;
  q.data = io.in[i];
  q.is_unsigned = io.in_types[i]->dtype == DType::U8;
  if (has_in(io, zp_i)) {
    q.zero_point = io.in[zp_i];
    q.zero_point_count = num_elements(in_shape(io, zp_i));
  }
  return q;
}

void run_matmul_integer(const NodeOperands& io) {
  k::matmul_integer(quant_operand(io, 0, 2), in_shape(io, 0), quant_operand(io, 1, 3),
                    in_shape(io, 1), static_cast<int32_t*>(io.out[0]), out_shape(io, 0));
}

void run_qlinear_matmul(const NodeOperands& io) {
  const Shape& out = out_shape(io, 0);
  std::vector<int32_t> acc(static_cast<size_t>(num_elements(out)));
  k::matmul_integer(quant_operand(io, 0, 2), in_shape(io, 0), quant_operand(io, 3, 5),
                    in_shape(io, 3), acc.data(), out);
  const Shape& a = in_shape(io, 0);
  const Shape& b = in_shape(io, 3);
  const int64_t m = a.size() == 1 ? 1 : a[a.size() - 2], nn = b.size() == 1 ? 1 : b.back();
  k::Requantize q;
  q.a_scale = f32(io, 1);
  q.a_count = num_elements(in_shape(io, 1));
  q.b_scale = f32(io, 4);
  q.b_count = num_elements(in_shape(io, 4));
  q.y_scale = *f32(io, 6);
  q.y_unsigned = io.in_types[7]->dtype == DType::U8;
  q.y_zero_point =
      q.y_unsigned ? *static_cast<const uint8_t*>(io.in[7]) : *static_cast<const int8_t*>(io.in[7]);
  const int64_t batch = m * nn == 0 ? 0 : num_elements(out) / (m * nn);
  k::requantize(acc.data(), batch, m, nn, q, io.out[0]);
}

// Every op with all float operands in f32 (integer paths where the op has them).
void run_node(const Node& n, const NodeOperands& io) {
  const DType dt0 = io.in_types[0]->dtype;
  const size_t esize = dtype_size(dt0);
  switch (n.op) {
    case OpKind::MatMul:
      k::matmul(f32(io, 0), in_shape(io, 0), f32(io, 1), in_shape(io, 1), f32_out(io, 0),
                out_shape(io, 0));
      return;
    case OpKind::Gemm: {
      const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
      const Shape& a = in_shape(io, 0);
      const int64_t m = out_shape(io, 0)[0], nn = out_shape(io, 0)[1], kk = ta ? a[0] : a[1];
      const bool has_c = has_in(io, 2);
      k::gemm(f32(io, 0), f32(io, 1), has_c ? f32(io, 2) : nullptr,
              has_c ? k::Dims(in_shape(io, 2)) : k::Dims{}, f32_out(io, 0), m, nn, kk, ta, tb,
              static_cast<float>(n.attrs.get_float("alpha", 1.0)),
              static_cast<float>(n.attrs.get_float("beta", 1.0)));
      return;
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
      if (dt0 == DType::I32) return run_binary<int32_t>(n, io);
      if (dt0 == DType::I64) return run_binary<int64_t>(n, io);
      return run_binary<float>(n, io);
    case OpKind::Equal:
      if (dt0 == DType::I32) return run_equal<int32_t>(io);
      if (dt0 == DType::I64) return run_equal<int64_t>(io);
      if (dt0 == DType::Bool) return run_equal<uint8_t>(io);
      return run_equal<float>(io);
    case OpKind::Where:
      k::where(static_cast<const uint8_t*>(io.in[0]), in_shape(io, 0), io.in[1], in_shape(io, 1),
               io.in[2], in_shape(io, 2), io.out[0], out_shape(io, 0),
               dtype_size(io.in_types[1]->dtype));
      return;
    case OpKind::Neg:
      if (dt0 == DType::I32)
        return k::negate(static_cast<const int32_t*>(io.in[0]), static_cast<int32_t*>(io.out[0]),
                         num_elements(in_shape(io, 0)));
      if (dt0 == DType::I64)
        return k::negate(static_cast<const int64_t*>(io.in[0]), static_cast<int64_t*>(io.out[0]),
                         num_elements(in_shape(io, 0)));
      [[fallthrough]];
    case OpKind::Sqrt:
    case OpKind::Exp:
    case OpKind::Erf:
    case OpKind::Tanh:
    case OpKind::Reciprocal:
    case OpKind::Relu:
    case OpKind::Gelu:
    case OpKind::Silu:
    case OpKind::Sigmoid:
      k::unary(unary_kind(n), f32(io, 0), f32_out(io, 0), num_elements(in_shape(io, 0)));
      return;
    case OpKind::Softmax: {
      const Shape& x = in_shape(io, 0);
      const int64_t axis = normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
      k::softmax(f32(io, 0), f32_out(io, 0), split_at(x, axis).rows, x[axis],
                 split_at(x, axis + 1).cols);
      return;
    }
    case OpKind::LayerNorm:
    case OpKind::RMSNorm: {
      const Shape& x = in_shape(io, 0);
      const int64_t axis = normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
      const RowsCols rc = split_at(x, axis);
      const auto eps = static_cast<float>(n.attrs.get_float("epsilon", 1e-5));
      if (n.op == OpKind::LayerNorm)
        k::layer_norm(f32(io, 0), f32(io, 1), has_in(io, 2) ? f32(io, 2) : nullptr, f32_out(io, 0),
                      rc.rows, rc.cols, eps);
      else
        k::rms_norm(f32(io, 0), f32(io, 1), f32_out(io, 0), rc.rows, rc.cols, eps);
      return;
    }
    case OpKind::ReduceMean:
    case OpKind::ReduceSum:
    case OpKind::ReduceMax: {
      const Shape& x = in_shape(io, 0);
      const auto axes = resolve_reduce_axes(x.size(), n.attrs);
      const k::ReduceOp op = n.op == OpKind::ReduceSum    ? k::ReduceOp::Sum
                             : n.op == OpKind::ReduceMean ? k::ReduceOp::Mean
                                                          : k::ReduceOp::Max;
      k::reduce(op, f32(io, 0), x, axes, f32_out(io, 0));
      return;
    }
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
      std::memcpy(io.out[0], io.in[0], io.out_types[0]->nbytes());
      return;
    case OpKind::Transpose:
      k::transpose(io.in[0], in_shape(io, 0), resolve_perm(in_shape(io, 0).size(), n.attrs),
                   io.out[0], esize);
      return;
    case OpKind::Concat: {
      std::vector<k::Dims> shapes;
      for (const TensorType* t : io.in_types) shapes.emplace_back(t->shape);
      const int64_t axis =
          normalize_axis(n.attrs.get_int("axis"), in_shape(io, 0).size(), "concat axis");
      k::concat(io.in, shapes, axis, io.out[0], esize);
      return;
    }
    case OpKind::Split: {
      const Shape& x = in_shape(io, 0);
      const int64_t axis = normalize_axis(n.attrs.get_int("axis", 0), x.size(), "split axis");
      const auto sizes = resolve_split(x, axis, n.attrs, static_cast<int64_t>(io.out.size()));
      k::split(io.in[0], x, axis, sizes, io.out, esize);
      return;
    }
    case OpKind::Slice: {
      const SliceParams p = resolve_slice(in_shape(io, 0), n.attrs);
      k::slice(io.in[0], in_shape(io, 0), p.starts, p.steps, io.out[0], p.out_shape, esize);
      return;
    }
    case OpKind::Gather:
    case OpKind::Embedding: {
      const Shape& data = in_shape(io, 0);
      const int64_t axis = n.op == OpKind::Embedding
                               ? 0
                               : normalize_axis(n.attrs.get_int("axis", 0), data.size(), "axis");
      const std::vector<int64_t> idx = indices_as_i64(io, 1);
      if (!k::gather(io.in[0], data, axis, idx.data(), static_cast<int64_t>(idx.size()), io.out[0],
                     esize))
        fail(n, fmt::format("an index is outside [-{0}, {0}) for axis {1} of {2}", data[axis], axis,
                            shape_str(data)));
      return;
    }
    case OpKind::Expand:
      k::expand(io.in[0], in_shape(io, 0), io.out[0], out_shape(io, 0), esize);
      return;
    case OpKind::Cast:
      k::cast(io.in[0], static_cast<nuri_dtype>(dt0), io.out[0],
              static_cast<nuri_dtype>(io.out_types[0]->dtype), num_elements(in_shape(io, 0)));
      return;
    case OpKind::Attention:
      return run_attention(n, io);
    case OpKind::RotaryEmbedding:
      return run_rotary(n, io);
    case OpKind::QuantizeLinear:
    case OpKind::DequantizeLinear:
      return run_quant(n, io);
    case OpKind::MatMulInteger:
      return run_matmul_integer(io);
    case OpKind::QLinearMatMul:
      return run_qlinear_matmul(io);
  }
  fail(n, "no reference kernel");
}

// Ops whose f16/bf16 operands are computed in f32. Data movement ops copy bytes as they are.
bool computes_in_f32(OpKind op) {
  switch (op) {
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
    case OpKind::Transpose:
    case OpKind::Concat:
    case OpKind::Split:
    case OpKind::Slice:
    case OpKind::Gather:
    case OpKind::Embedding:
    case OpKind::Expand:
    case OpKind::Cast:
    case OpKind::Where:
      return false;
    default:
      return true;
  }
}

bool is_half(DType t) {
  return t == DType::F16 || t == DType::BF16;
}

}  // namespace

void run_reference_node(const Node& node, const NodeOperands& io) {
  bool half = false;
  for (const TensorType* t : io.in_types) half = half || (t && is_half(t->dtype));
  if (!half || !computes_in_f32(node.op)) return run_node(node, io);
  // Widen half operands to f32, compute, round the results back to their dtype.
  NodeOperands wide = io;
  std::vector<TensorType> in_types(io.in_types.size()), out_types(io.out_types.size());
  std::vector<std::vector<float>> in_buf(io.in.size()), out_buf(io.out.size());
  for (size_t i = 0; i < io.in.size(); ++i) {
    if (!io.in_types[i] || !is_half(io.in_types[i]->dtype)) continue;
    const size_t n = io.in_types[i]->numel();
    in_buf[i].resize(n);
    const auto* src = static_cast<const uint16_t*>(io.in[i]);
    if (io.in_types[i]->dtype == DType::F16)
      k::f16_to_f32(src, in_buf[i].data(), n);
    else
      k::bf16_to_f32(src, in_buf[i].data(), n);
    in_types[i] = {DType::F32, io.in_types[i]->shape};
    wide.in_types[i] = &in_types[i];
    wide.in[i] = in_buf[i].data();
  }
  for (size_t i = 0; i < io.out.size(); ++i) {
    if (!is_half(io.out_types[i]->dtype)) continue;
    out_buf[i].resize(io.out_types[i]->numel());
    out_types[i] = {DType::F32, io.out_types[i]->shape};
    wide.out_types[i] = &out_types[i];
    wide.out[i] = out_buf[i].data();
  }
  run_node(node, wide);
  for (size_t i = 0; i < io.out.size(); ++i) {
    if (out_buf[i].empty() && !is_half(io.out_types[i]->dtype)) continue;
    auto* dst = static_cast<uint16_t*>(io.out[i]);
    if (io.out_types[i]->dtype == DType::F16)
      k::f32_to_f16(out_buf[i].data(), dst, out_buf[i].size());
    else if (io.out_types[i]->dtype == DType::BF16)
      k::f32_to_bf16(out_buf[i].data(), dst, out_buf[i].size());
  }
}

}  // namespace nuri::ir
