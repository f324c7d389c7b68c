// Each node of a partition as kernel launches with their arguments bound (see
// kernels/opencl/*.cl for what each kernel computes). Only what opencl_supports.cpp claims
// reaches here; anything else is an error naming the node.
#include <fmt/format.h>

#include <array>
#include <climits>
#include <cmath>

#include "compiler/ir/op_params.h"
#include "devices/opencl/opencl_program.h"
#include "kernels/cpu/broadcast.h"
#include "nuri/error.hpp"

namespace nuri::opencl {
namespace {

constexpr size_t kRank = 6;  // dims of the strided kernels (movement.cl, elementwise.cl)
using Dims6 = std::array<int, kRank>;

[[noreturn]] void fail(const ir::Node& n, const std::string& msg) {
  throw Error(fmt::format("opencl: node '{}' ({}): {}", n.name, ir::op_name(n.op), msg));
}

int to_int(int64_t v, const ir::Node& n) {
  if (v > INT_MAX || v < INT_MIN) fail(n, "a size or offset exceeds 32-bit indexing");
  return static_cast<int>(v);
}

// Right-aligns `v` into six dims, padding with `pad`.
Dims6 pad6(const std::vector<int64_t>& v, int pad, const ir::Node& n) {
  if (v.size() > kRank) fail(n, "rank above 6");
  Dims6 out;
  out.fill(pad);
  for (size_t i = 0; i < v.size(); ++i) out[kRank - v.size() + i] = to_int(v[i], n);
  return out;
}

void set_arg(cl_kernel k, cl_uint i, cl_mem m) {
  check(clSetKernelArg(k, i, sizeof(cl_mem), &m), "clSetKernelArg");
}
void set_arg(cl_kernel k, cl_uint i, int v) {
  check(clSetKernelArg(k, i, sizeof(int), &v), "clSetKernelArg");
}
void set_arg(cl_kernel k, cl_uint i, float v) {
  check(clSetKernelArg(k, i, sizeof(float), &v), "clSetKernelArg");
}
template <typename... A>
void set_args(Launch& l, A... args) {
  cl_uint i = 0;
  (set_arg(l.kernel.get(), i++, args), ...);
}

size_t round_up(size_t v, size_t m) {
  return (v + m - 1) / m * m;
}

void one_dim(Launch& l, int64_t count) {
  l.dims = 1;
  l.global[0] = round_up(static_cast<size_t>(std::max<int64_t>(count, 1)), 64);
}

std::vector<int64_t> contiguous(const Shape& s) {
  return kernels::contiguous_strides(s);
}

const Shape& shape_of(const OpenClProgram& p, ir::ValueId v) {
  return p.graph().value(v).type.shape;
}

// dst[box] = src[box] over `dims`, each side through its own strides and base offset.
void strided_copy(OpenClProgram& p, const ir::Node& n, size_t step, cl_mem src, cl_mem dst,
                  size_t esize, const Shape& dims, const std::vector<int64_t>& src_strides,
                  int64_t src_base, const std::vector<int64_t>& dst_strides, int64_t dst_base) {
  const int64_t count = num_elements(dims);
  if (count == 0) return;
  std::vector<int> meta;
  for (const Dims6& d : {pad6(dims, 1, n), pad6(src_strides, 0, n), pad6(dst_strides, 0, n)})
    meta.insert(meta.end(), d.begin(), d.end());
  const std::string name = fmt::format("strided_copy_{}", esize);
  Launch& l = p.add_launch(name.c_str(), step);
  set_args(l, src, dst, p.constant_ints(meta), to_int(src_base, n), to_int(dst_base, n),
           to_int(count, n));
  one_dim(l, count);
}

// MatMul and Gemm: one batched launch of the tiled GEMM.
struct GemmArgs {
  cl_mem a, b, c, bias;
  int64_t m, n, k, batch;
  int64_t a_rs, a_cs, a_bs, b_rs, b_cs, b_bs, bias_rs = 0, bias_cs = 0;
  float alpha = 1, beta = 0;
  bool has_bias = false;
};

void gemm(OpenClProgram& p, const ir::Node& node, size_t step, GemmArgs g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  auto i = [&](int64_t v) { return to_int(v, node); };
  if (p.lib().geometry().gemm_blocked && g.b_cs != 1) {
    // The blocked kernel reads B's rows as vectors: lay a transposed B out row-major first
    // (K*N moves per run against M*N*K multiply-adds).
    const int64_t b_batches = g.b_bs == 0 ? 1 : g.batch;
    cl_mem rowmajor = p.scratch(static_cast<size_t>(b_batches * g.k * g.n) * sizeof(float));
    strided_copy(p, node, step, g.b, rowmajor, sizeof(float), Shape{b_batches, g.k, g.n},
                 {g.b_bs, g.b_rs, g.b_cs}, 0, {g.k * g.n, g.n, 1}, 0);
    g.b = rowmajor;
    g.b_rs = g.n;
    g.b_cs = 1;
    g.b_bs = g.b_bs == 0 ? 0 : g.k * g.n;
  }
  if (p.lib().geometry().gemm_blocked) {
    Launch& l = p.add_launch("gemm_blocked", step);
    set_args(l, g.a, g.b, g.c, g.bias, i(g.m), i(g.n), i(g.k), i(g.a_rs), i(g.a_cs), i(g.a_bs),
             i(g.b_rs), i(g.b_bs), i(g.m * g.n), i(g.bias_rs), i(g.bias_cs), g.alpha, g.beta,
             g.has_bias ? 1 : 0);
    // A work-item per 4x16 block of C; 16 of them down M share a work-group (and B's strip).
    l.dims = 3;
    l.has_local = true;
    l.global[0] = (static_cast<size_t>(g.n) + 15) / 16;
    l.global[1] = round_up((static_cast<size_t>(g.m) + 3) / 4, 16);
    l.global[2] = static_cast<size_t>(g.batch);
    l.local[0] = 1;
    l.local[1] = 16;
    l.local[2] = 1;
    return;
  }
  const size_t tile = p.lib().geometry().gemm_tile, lx = tile / 4;
  Launch& l = p.add_launch("gemm_tiled", step);
  set_args(l, g.a, g.b, g.c, g.bias, i(g.m), i(g.n), i(g.k), i(g.a_rs), i(g.a_cs), i(g.a_bs),
           i(g.b_rs), i(g.b_cs), i(g.b_bs), i(g.m * g.n), i(g.bias_rs), i(g.bias_cs), g.alpha,
           g.beta, g.has_bias ? 1 : 0);
  l.dims = 3;
  l.has_local = true;
  l.global[0] = (static_cast<size_t>(g.n) + tile - 1) / tile * lx;
  l.global[1] = (static_cast<size_t>(g.m) + tile - 1) / tile * lx;
  l.global[2] = static_cast<size_t>(g.batch);
  l.local[0] = lx;
  l.local[1] = lx;
  l.local[2] = 1;
}

void lower_matmul(OpenClProgram& p, const ir::Node& n, size_t step) {
  Shape a = shape_of(p, n.inputs[0]), b = shape_of(p, n.inputs[1]);
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  const int64_t m = a[a.size() - 2], k = a.back(), nn = b.back();
  const Shape a_batch(a.begin(), a.end() - 2), b_batch(b.begin(), b.end() - 2);
  const int64_t batch = std::max(num_elements(a_batch), num_elements(b_batch));
  GemmArgs g{p.mem(n.inputs[0]),
             p.mem(n.inputs[1]),
             p.mem(n.outputs[0]),
             p.mem(n.inputs[0]),
             m,
             nn,
             k,
             batch,
             k,
             1,
             num_elements(a_batch) == 1 ? 0 : m * k,
             nn,
             1,
             num_elements(b_batch) == 1 ? 0 : k * nn};
  g.alpha = 1;
  gemm(p, n, step, g);
}

void lower_gemm(OpenClProgram& p, const ir::Node& n, size_t step) {
  const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
  const Shape& a = shape_of(p, n.inputs[0]);
  const Shape& y = shape_of(p, n.outputs[0]);
  const int64_t m = y[0], nn = y[1], k = ta ? a[0] : a[1];
  GemmArgs g{p.mem(n.inputs[0]),
             p.mem(n.inputs[1]),
             p.mem(n.outputs[0]),
             p.mem(n.inputs[0]),
             m,
             nn,
             k,
             1,
             ta ? 1 : k,
             ta ? m : 1,
             0,  // A stored [M,K], or [K,M] when transposed
             tb ? 1 : nn,
             tb ? k : 1,
             0};  // B stored [K,N], or [N,K]
  g.alpha = static_cast<float>(n.attrs.get_float("alpha", 1.0));
  if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
    const Shape& c = shape_of(p, n.inputs[2]);
    const auto s = kernels::broadcast_strides(c, y);
    g.bias = p.mem(n.inputs[2]);
    g.bias_rs = s[0];
    g.bias_cs = s[1];
    g.beta = static_cast<float>(n.attrs.get_float("beta", 1.0));
    g.has_bias = true;
  }
  gemm(p, n, step, g);
}

int binary_code(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::Add:
      return 0;
    case ir::OpKind::Sub:
      return 1;
    case ir::OpKind::Mul:
      return 2;
    case ir::OpKind::Div:
      return 3;
    default:
      return 4;  // Pow
  }
}

int unary_code(const ir::Node& n) {
  switch (n.op) {
    case ir::OpKind::Sqrt:
      return 0;
    case ir::OpKind::Exp:
      return 1;
    case ir::OpKind::Erf:
      return 2;
    case ir::OpKind::Tanh:
      return 3;
    case ir::OpKind::Neg:
      return 4;
    case ir::OpKind::Reciprocal:
      return 5;
    case ir::OpKind::Relu:
      return 6;
    case ir::OpKind::Gelu:
      return n.attrs.get_string("approximate", "none") == "tanh" ? 8 : 7;
    case ir::OpKind::Silu:
      return 9;
    default:
      return 10;  // Sigmoid
  }
}

void lower_binary(OpenClProgram& p, const ir::Node& n, size_t step) {
  const Shape& y = shape_of(p, n.outputs[0]);
  const int64_t count = num_elements(y);
  if (count == 0) return;
  std::vector<int> meta;
  for (const Dims6& d :
       {pad6(y, 1, n), pad6(kernels::broadcast_strides(shape_of(p, n.inputs[0]), y), 0, n),
        pad6(kernels::broadcast_strides(shape_of(p, n.inputs[1]), y), 0, n)})
    meta.insert(meta.end(), d.begin(), d.end());
  Launch& l = p.add_launch("binary_f32", step);
  set_args(l, p.mem(n.inputs[0]), p.mem(n.inputs[1]), p.mem(n.outputs[0]), p.constant_ints(meta),
           to_int(count, n), binary_code(n.op));
  one_dim(l, count);
}

void lower_unary(OpenClProgram& p, const ir::Node& n, size_t step) {
  const int64_t count = num_elements(shape_of(p, n.inputs[0]));
  if (count == 0) return;
  Launch& l = p.add_launch("unary_f32", step);
  set_args(l, p.mem(n.inputs[0]), p.mem(n.outputs[0]), to_int(count, n), unary_code(n));
  one_dim(l, count);
}

void rows_launch(OpenClProgram& p, Launch& l, int64_t rows) {
  const size_t wg = p.lib().geometry().norm_wg;
  l.dims = 1;
  l.has_local = true;
  l.global[0] = static_cast<size_t>(rows) * wg;
  l.local[0] = wg;
}

void lower_softmax(OpenClProgram& p, const ir::Node& n, size_t step) {
  const Shape& x = shape_of(p, n.inputs[0]);
  const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
  const int64_t outer = ir::split_at(x, axis).rows, inner = ir::split_at(x, axis + 1).cols;
  if (outer * inner == 0 || x[axis] == 0) return;
  Launch& l = p.add_launch("softmax_f32", step);
  set_args(l, p.mem(n.inputs[0]), p.mem(n.outputs[0]), to_int(x[axis], n), to_int(inner, n));
  rows_launch(p, l, outer * inner);
}

void lower_norm(OpenClProgram& p, const ir::Node& n, size_t step) {
  const Shape& x = shape_of(p, n.inputs[0]);
  const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
  const ir::RowsCols rc = ir::split_at(x, axis);
  if (rc.rows == 0 || rc.cols == 0) return;
  const auto eps = static_cast<float>(n.attrs.get_float("epsilon", 1e-5));
  if (n.op == ir::OpKind::LayerNorm) {
    const bool bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
    Launch& l = p.add_launch("layer_norm_f32", step);
    set_args(l, p.mem(n.inputs[0]), p.mem(n.inputs[1]),
             bias ? p.mem(n.inputs[2]) : p.mem(n.inputs[1]), p.mem(n.outputs[0]),
             to_int(rc.cols, n), eps, bias ? 1 : 0);
    rows_launch(p, l, rc.rows);
  } else {
    Launch& l = p.add_launch("rms_norm_f32", step);
    set_args(l, p.mem(n.inputs[0]), p.mem(n.inputs[1]), p.mem(n.outputs[0]), to_int(rc.cols, n),
             eps);
    rows_launch(p, l, rc.rows);
  }
}

bool has_input(const ir::Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != ir::kNoValue;
}

void lower_attention(OpenClProgram& p, const ir::Node& n, size_t step) {
  const Shape &q = shape_of(p, n.inputs[0]), &k = shape_of(p, n.inputs[1]),
              &v = shape_of(p, n.inputs[2]);
  const bool past = has_input(n, 4);
  const int64_t B = q[0], Hq = q[1], S = q[2], D = q[3], Hkv = k[1], Dv = v[3];
  const int64_t P = past ? shape_of(p, n.inputs[4])[2] : 0, T = P + k[2];
  // Keys/values over all positions (past ++ new): the present outputs when asked for.
  cl_mem k_all = p.mem(n.inputs[1]), v_all = p.mem(n.inputs[2]);
  const bool present = n.outputs.size() == 3;
  if (past || present) {
    k_all = present ? p.mem(n.outputs[1]) : p.scratch(B * Hkv * T * D * sizeof(float));
    v_all = present ? p.mem(n.outputs[2]) : p.scratch(B * Hkv * T * Dv * sizeof(float));
    for (int which = 0; which < 2; ++which) {
      const int64_t dim = which == 0 ? D : Dv;
      const cl_mem dst = which == 0 ? k_all : v_all;
      const std::vector<int64_t> dst_strides{Hkv * T * dim, T * dim, dim, 1};
      if (past) {
        const Shape& ps = shape_of(p, n.inputs[4 + which]);
        strided_copy(p, n, step, p.mem(n.inputs[4 + which]), dst, sizeof(float), ps, contiguous(ps),
                     0, dst_strides, 0);
      }
      const Shape& ns = shape_of(p, n.inputs[1 + which]);
      strided_copy(p, n, step, p.mem(n.inputs[1 + which]), dst, sizeof(float), ns, contiguous(ns),
                   0, dst_strides, P * dim);
    }
  }
  const int64_t rows = B * Hq * S;
  if (rows == 0 || Dv == 0) return;
  int mask_kind = 0;
  std::vector<int64_t> ms{0, 0, 0, 0};
  cl_mem additive = p.mem(n.inputs[0]), allowed = p.mem(n.inputs[0]);
  if (has_input(n, 3)) {
    const ir::TensorType& mt = p.graph().value(n.inputs[3]).type;
    ms = kernels::broadcast_strides(mt.shape, Shape{B, Hq, S, T});
    if (mt.dtype == DType::Bool) {
      mask_kind = 2;
      allowed = p.mem(n.inputs[3]);
    } else {
      mask_kind = 1;
      additive = p.mem(n.inputs[3]);
    }
  }
  const auto scale = static_cast<float>(
      n.attrs.get_float("scale", 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(D, 1)))));
  Launch& l = p.add_launch("attention_f32", step);
  auto i = [&](int64_t x) { return to_int(x, n); };
  set_args(l, p.mem(n.inputs[0]), k_all, v_all, additive, allowed, p.mem(n.outputs[0]),
           p.scratch(rows * std::max<int64_t>(T, 1) * sizeof(float)), i(Hq), i(Hkv), i(S), i(T),
           i(D), i(Dv), scale, n.attrs.get_int("causal", 0) != 0 ? 1 : 0, mask_kind, i(ms[0]),
           i(ms[1]), i(ms[2]), i(ms[3]));
  rows_launch(p, l, rows);
}

void lower_gather(OpenClProgram& p, const ir::Node& n, size_t step) {
  const ir::TensorType& data = p.graph().value(n.inputs[0]).type;
  const ir::TensorType& idx = p.graph().value(n.inputs[1]).type;
  const int64_t axis =
      n.op == ir::OpKind::Embedding
          ? 0
          : ir::normalize_axis(n.attrs.get_int("axis", 0), data.shape.size(), "axis");
  const int64_t outer = ir::split_at(data.shape, axis).rows,
                inner = ir::split_at(data.shape, axis + 1).cols, count = num_elements(idx.shape);
  const int64_t total = outer * count * inner;
  if (total == 0) return;
  const std::string name = fmt::format("gather_{}", dtype_size(data.dtype));
  cl_mem flag =
      p.error_flag(fmt::format("node '{}' ({}): an index is outside [-{}, {}) for axis {}", n.name,
                               ir::op_name(n.op), data.shape[axis], data.shape[axis], axis));
  Launch& l = p.add_launch(name.c_str(), step);
  set_args(l, p.mem(n.inputs[0]), p.mem(n.inputs[1]), p.mem(n.outputs[0]), flag,
           idx.dtype == DType::I64 ? 1 : 0, to_int(count, n), to_int(data.shape[axis], n),
           to_int(inner, n), to_int(total, n));
  one_dim(l, total);
}

void lower_movement(OpenClProgram& p, const ir::Node& n, size_t step) {
  const ir::TensorType& x = p.graph().value(n.inputs[0]).type;
  const size_t es = dtype_size(x.dtype);
  const cl_mem src = p.mem(n.inputs[0]);
  switch (n.op) {
    case ir::OpKind::Transpose: {
      const auto perm = ir::resolve_perm(x.shape.size(), n.attrs);
      const auto in_strides = contiguous(x.shape);
      std::vector<int64_t> src_strides;
      for (int64_t d : perm) src_strides.push_back(in_strides[d]);
      const Shape& y = shape_of(p, n.outputs[0]);
      strided_copy(p, n, step, src, p.mem(n.outputs[0]), es, y, src_strides, 0, contiguous(y), 0);
      return;
    }
    case ir::OpKind::Slice: {
      const ir::SliceParams sp = ir::resolve_slice(x.shape, n.attrs);
      const auto in_strides = contiguous(x.shape);
      std::vector<int64_t> src_strides;
      int64_t base = 0;
      for (size_t d = 0; d < x.shape.size(); ++d) {
        src_strides.push_back(in_strides[d] * sp.steps[d]);
        base += sp.starts[d] * in_strides[d];
      }
      strided_copy(p, n, step, src, p.mem(n.outputs[0]), es, sp.out_shape, src_strides, base,
                   contiguous(sp.out_shape), 0);
      return;
    }
    case ir::OpKind::Expand: {
      const Shape& y = shape_of(p, n.outputs[0]);
      strided_copy(p, n, step, src, p.mem(n.outputs[0]), es, y,
                   kernels::broadcast_strides(x.shape, y), 0, contiguous(y), 0);
      return;
    }
    case ir::OpKind::Concat: {
      const Shape& y = shape_of(p, n.outputs[0]);
      const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis"), y.size(), "concat axis");
      const auto out_strides = contiguous(y);
      int64_t offset = 0;
      for (ir::ValueId in : n.inputs) {
        const Shape& s = shape_of(p, in);
        strided_copy(p, n, step, p.mem(in), p.mem(n.outputs[0]), es, s, contiguous(s), 0,
                     out_strides, offset * out_strides[axis]);
        offset += s[axis];
      }
      return;
    }
    case ir::OpKind::Split: {
      const int64_t axis =
          ir::normalize_axis(n.attrs.get_int("axis", 0), x.shape.size(), "split axis");
      const auto in_strides = contiguous(x.shape);
      int64_t offset = 0;
      for (ir::ValueId out : n.outputs) {
        const Shape& s = shape_of(p, out);
        strided_copy(p, n, step, src, p.mem(out), es, s, in_strides, offset * in_strides[axis],
                     contiguous(s), 0);
        offset += s[axis];
      }
      return;
    }
    default:
      fail(n, "not a data movement op");
  }
}

}  // namespace

void lower_node(OpenClProgram& p, ir::NodeId id, size_t step) {
  const ir::Node& n = p.graph().node(id);
  switch (n.op) {
    case ir::OpKind::MatMul:
      return lower_matmul(p, n, step);
    case ir::OpKind::Gemm:
      return lower_gemm(p, n, step);
    case ir::OpKind::Add:
    case ir::OpKind::Sub:
    case ir::OpKind::Mul:
    case ir::OpKind::Div:
    case ir::OpKind::Pow:
      return lower_binary(p, n, step);
    case ir::OpKind::Sqrt:
    case ir::OpKind::Exp:
    case ir::OpKind::Erf:
    case ir::OpKind::Tanh:
    case ir::OpKind::Neg:
    case ir::OpKind::Reciprocal:
    case ir::OpKind::Relu:
    case ir::OpKind::Gelu:
    case ir::OpKind::Silu:
    case ir::OpKind::Sigmoid:
      return lower_unary(p, n, step);
    case ir::OpKind::Softmax:
      return lower_softmax(p, n, step);
    case ir::OpKind::LayerNorm:
    case ir::OpKind::RMSNorm:
      return lower_norm(p, n, step);
    case ir::OpKind::Attention:
      return lower_attention(p, n, step);
    case ir::OpKind::Gather:
    case ir::OpKind::Embedding:
      return lower_gather(p, n, step);
    case ir::OpKind::Reshape:
    case ir::OpKind::Squeeze:
    case ir::OpKind::Unsqueeze:
      return;  // the output aliases the input's buffer (OpenClProgram::allocate_values)
    case ir::OpKind::Transpose:
    case ir::OpKind::Slice:
    case ir::OpKind::Expand:
    case ir::OpKind::Concat:
    case ir::OpKind::Split:
      return lower_movement(p, n, step);
    default:
      fail(n, "no OpenCL kernel for this op");
  }
}

}  // namespace nuri::opencl
