#include "compiler/ir/shape_inference.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "compiler/ir/op_params.h"
#include "kernels/cpu/broadcast.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

// Checks on one op's inputs; every failure names the op and the input.
class Rules {
 public:
  Rules(OpKind op, const Attributes& attrs, std::span<const InferInput> inputs)
      : op_(op), attrs_(attrs), inputs_(inputs) {}

  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(fmt::format("{}: {}", op_name(op_), msg));
  }
  void arity(size_t min, size_t max) const {
    if (inputs_.size() < min || inputs_.size() > max)
      fail(min == max ? fmt::format("expected {} inputs, got {}", min, inputs_.size())
                      : fmt::format("expected {} to {} inputs, got {}", min, max, inputs_.size()));
    for (size_t i = 0; i < min; ++i)
      if (!inputs_[i].type) fail(fmt::format("required input {} is missing", i));
  }
  bool has(size_t i) const { return i < inputs_.size() && inputs_[i].type.has_value(); }
  const TensorType& in(size_t i) const { return *inputs_[i].type; }
  std::string label(size_t i) const { return fmt::format("input {} '{}'", i, inputs_[i].name); }
  int64_t rank(size_t i) const { return static_cast<int64_t>(in(i).shape.size()); }

  void dtype_in(size_t i, std::initializer_list<DType> allowed) const {
    for (DType t : allowed)
      if (in(i).dtype == t) return;
    std::string names;
    for (DType t : allowed) names += std::string(names.empty() ? "" : "/") + dtype_name(t);
    fail(fmt::format("{} has dtype {}, expected {}", label(i), dtype_name(in(i).dtype), names));
  }
  void float_in(size_t i) const { dtype_in(i, {DType::F32, DType::F16, DType::BF16}); }
  void same_dtype(size_t i, size_t j) const {
    if (in(i).dtype != in(j).dtype)
      fail(fmt::format("{} has dtype {} but {} has {}; they must match", label(j),
                       dtype_name(in(j).dtype), label(i), dtype_name(in(i).dtype)));
  }
  void rank_is(size_t i, int64_t r) const {
    if (rank(i) != r)
      fail(fmt::format("{} has shape {}, expected rank {}", label(i), shape_str(in(i).shape), r));
  }
  void dim_is(size_t i, int64_t axis, int64_t expected, const char* what) const {
    if (in(i).shape[axis] != expected)
      fail(fmt::format("{} has shape {}: dim {} ({}) is {}, expected {}", label(i),
                       shape_str(in(i).shape), axis, what, in(i).shape[axis], expected));
  }
  Shape broadcast(size_t i, const Shape& other, const std::string& other_label) const {
    auto out = kernels::broadcast_shapes(in(i).shape, other);
    if (!out)
      fail(fmt::format("{} shape {} does not broadcast with {} shape {}", label(i),
                       shape_str(in(i).shape), other_label, shape_str(other)));
    return *out;
  }
  const Attributes& attrs() const { return attrs_; }
  // Runs `f`, re-throwing attribute and parameter errors with the op's name.
  template <typename F>
  auto guarded(F&& f) const {
    try {
      return f();
    } catch (const Error& e) {
      fail(e.what());
    }
  }

 private:
  OpKind op_;
  const Attributes& attrs_;
  std::span<const InferInput> inputs_;
};

using Types = std::vector<TensorType>;

// Numpy matmul's result shape for inputs a_i and b_i.
Shape matmul_shape(const Rules& r, size_t a_i = 0, size_t b_i = 1) {
  Shape a = r.in(a_i).shape, b = r.in(b_i).shape;
  if (a.empty() || b.empty()) r.fail("inputs must have rank >= 1");
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  const int64_t k_a = a.back(), k_b = b[b.size() - 2];
  if (k_a != k_b)
    r.fail(fmt::format("inner dimensions differ: {} shape {} has K={}, {} shape {} has K={}",
                       r.label(a_i), shape_str(r.in(a_i).shape), k_a, r.label(b_i),
                       shape_str(r.in(b_i).shape), k_b));
  Shape batch_a(a.begin(), a.end() - 2), batch_b(b.begin(), b.end() - 2);
  auto batch = kernels::broadcast_shapes(batch_a, batch_b);
  if (!batch)
    r.fail(fmt::format("batch dims {} and {} do not broadcast", shape_str(batch_a),
                       shape_str(batch_b)));
  Shape out = *batch;
  if (!a_vec) out.push_back(a[a.size() - 2]);
  if (!b_vec) out.push_back(b.back());
  return out;
}

Types infer_matmul(const Rules& r) {
  r.arity(2, 2);
  r.float_in(0);
  r.same_dtype(0, 1);
  return {{r.in(0).dtype, matmul_shape(r)}};
}

Types infer_gemm(const Rules& r) {
  r.arity(2, 3);
  r.float_in(0);
  r.same_dtype(0, 1);
  r.rank_is(0, 2);
  r.rank_is(1, 2);
  const bool ta = r.attrs().get_int("transA", 0) != 0, tb = r.attrs().get_int("transB", 0) != 0;
  const int64_t m = r.in(0).shape[ta ? 1 : 0], k = r.in(0).shape[ta ? 0 : 1];
  const int64_t kb = r.in(1).shape[tb ? 1 : 0], n = r.in(1).shape[tb ? 0 : 1];
  if (k != kb)
    r.fail(
        fmt::format("inner dimensions differ: A {} (transA={}) has K={}, B {} (transB={}) "
                    "has K={}",
                    shape_str(r.in(0).shape), ta, k, shape_str(r.in(1).shape), tb, kb));
  if (r.has(2)) {
    r.same_dtype(0, 2);
    if (r.rank(2) > 2) r.fail(fmt::format("{} must have rank <= 2", r.label(2)));
    Shape out = r.broadcast(2, {m, n}, "the result");
    if (out != Shape{m, n})
      r.fail(fmt::format("{} shape {} does not broadcast to the result [{}, {}]", r.label(2),
                         shape_str(r.in(2).shape), m, n));
  }
  return {{r.in(0).dtype, {m, n}}};
}

Types infer_binary(OpKind op, const Rules& r) {
  r.arity(2, 2);
  if (op == OpKind::Equal)
    r.dtype_in(0, {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64, DType::Bool});
  else
    r.dtype_in(0, {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64});
  r.same_dtype(0, 1);
  Shape out = r.broadcast(0, r.in(1).shape, r.label(1));
  return {{op == OpKind::Equal ? DType::Bool : r.in(0).dtype, out}};
}

Types infer_unary(OpKind op, const Rules& r) {
  r.arity(1, 1);
  if (op == OpKind::Neg)
    r.dtype_in(0, {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64});
  else
    r.float_in(0);
  if (op == OpKind::Gelu) {
    const std::string a = r.guarded([&] { return r.attrs().get_string("approximate", "none"); });
    if (a != "none" && a != "tanh")
      r.fail(fmt::format("attribute approximate is \"{}\", expected \"none\" or \"tanh\"", a));
  }
  return {r.in(0)};
}

Types infer_where(const Rules& r) {
  r.arity(3, 3);
  r.dtype_in(0, {DType::Bool});
  r.same_dtype(1, 2);
  Shape xy = r.broadcast(1, r.in(2).shape, r.label(2));
  Shape out = r.broadcast(0, xy, "the broadcast of the other inputs");
  return {{r.in(1).dtype, out}};
}

Types infer_norm(OpKind op, const Rules& r) {
  if (op == OpKind::LayerNorm)
    r.arity(2, 3);
  else
    r.arity(2, 2);
  r.float_in(0);
  const int64_t axis =
      r.guarded([&] { return normalize_axis(r.attrs().get_int("axis", -1), r.rank(0), "axis"); });
  const Shape& x = r.in(0).shape;
  const Shape norm_shape(x.begin() + axis, x.end());
  for (size_t i = 1; i < 3; ++i) {
    if (!r.has(i)) continue;
    r.same_dtype(0, i);
    if (r.in(i).shape != norm_shape)
      r.fail(fmt::format("{} has shape {}, expected {} (the normalized dims of the input)",
                         r.label(i), shape_str(r.in(i).shape), shape_str(norm_shape)));
  }
  if (r.guarded([&] { return r.attrs().get_float("epsilon", 1e-5); }) < 0)
    r.fail("epsilon must be >= 0");
  return {r.in(0)};
}

Types infer_reduce(const Rules& r) {
  r.arity(1, 1);
  r.float_in(0);
  const auto axes = r.guarded([&] { return resolve_reduce_axes(r.rank(0), r.attrs()); });
  const bool keep = r.attrs().get_int("keepdims", 1) != 0;
  Shape out;
  for (int64_t i = 0; i < r.rank(0); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      out.push_back(r.in(0).shape[i]);
    else if (keep)
      out.push_back(1);
  }
  return {{r.in(0).dtype, out}};
}

Types infer_concat(const Rules& r) {
  if (r.has(0) == false) r.arity(1, 1);
  const size_t n = [&] {
    size_t k = 0;
    while (r.has(k)) ++k;
    return k;
  }();
  const int64_t axis = r.guarded(
      [&] { return normalize_axis(r.attrs().get_int("axis"), r.rank(0), "concat axis"); });
  Shape out = r.in(0).shape;
  for (size_t i = 1; i < n; ++i) {
    r.same_dtype(0, i);
    const Shape& s = r.in(i).shape;
    if (s.size() != out.size())
      r.fail(fmt::format("{} has rank {}, expected {}", r.label(i), s.size(), out.size()));
    for (size_t d = 0; d < s.size(); ++d)
      if (static_cast<int64_t>(d) != axis && s[d] != out[d])
        r.fail(fmt::format("{} has shape {}: dim {} is {}, expected {} (as {})", r.label(i),
                           shape_str(s), d, s[d], out[d], r.label(0)));
    out[axis] += s[axis];
  }
  return {{r.in(0).dtype, out}};
}

Types infer_split(const Rules& r, size_t num_outputs) {
  r.arity(1, 1);
  const int64_t axis = r.guarded(
      [&] { return normalize_axis(r.attrs().get_int("axis", 0), r.rank(0), "split axis"); });
  const auto sizes = r.guarded([&] {
    return resolve_split(r.in(0).shape, axis, r.attrs(), static_cast<int64_t>(num_outputs));
  });
  Types out;
  for (int64_t s : sizes) {
    Shape shape = r.in(0).shape;
    shape[axis] = s;
    out.push_back({r.in(0).dtype, shape});
  }
  return out;
}

Types infer_gather(OpKind op, const Rules& r) {
  r.arity(2, 2);
  // Embedding(table, ids) is Gather on axis 0.
  r.dtype_in(1, {DType::I32, DType::I64});
  const Shape& data = r.in(0).shape;
  int64_t axis = 0;
  if (op == OpKind::Gather)
    axis = r.guarded(
        [&] { return normalize_axis(r.attrs().get_int("axis", 0), r.rank(0), "gather axis"); });
  else
    r.rank_is(0, 2);
  Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), r.in(1).shape.begin(), r.in(1).shape.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  return {{r.in(0).dtype, out}};
}

Types infer_unsqueeze(const Rules& r) {
  r.arity(1, 1);
  const int64_t out_rank = r.rank(0) + static_cast<int64_t>(r.attrs().get_ints("axes").size());
  const auto axes = r.guarded(
      [&] { return normalize_axes(r.attrs().get_ints("axes"), out_rank, "unsqueeze axis"); });
  Shape out;
  size_t src = 0;
  for (int64_t i = 0; i < out_rank; ++i) {
    if (std::binary_search(axes.begin(), axes.end(), i))
      out.push_back(1);
    else
      out.push_back(r.in(0).shape[src++]);
  }
  return {{r.in(0).dtype, out}};
}

Types infer_squeeze(const Rules& r) {
  r.arity(1, 1);
  const auto axes = r.guarded([&] { return resolve_squeeze_axes(r.in(0).shape, r.attrs()); });
  Shape out;
  for (int64_t i = 0; i < r.rank(0); ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) out.push_back(r.in(0).shape[i]);
  return {{r.in(0).dtype, out}};
}

Types infer_expand(const Rules& r) {
  r.arity(1, 1);
  const std::vector<int64_t> target = r.guarded([&] { return r.attrs().get_ints("shape"); });
  // ONNX Expand broadcasts both ways: a target dim of 1 keeps the input dim.
  Shape out = r.broadcast(0, target, "target shape");
  return {{r.in(0).dtype, out}};
}

Types infer_cast(const Rules& r) {
  r.arity(1, 1);
  const std::string to = r.guarded([&] { return r.attrs().get_string("to"); });
  auto dtype = parse_dtype(to);
  if (!dtype) r.fail(fmt::format("attribute to=\"{}\" is not a dtype", to));
  return {{*dtype, r.in(0).shape}};
}

// q [B,Hq,S,D], k [B,Hkv,T,D], v [B,Hkv,T,Dv], mask -> [B,Hq,S,P+T], past_k/v [B,Hkv,P,D/Dv],
// kv_len i64[1]: past is a cache of capacity P, and present keeps its shape.
Types infer_attention(const Rules& r, size_t num_outputs) {
  r.arity(3, 7);
  r.float_in(0);
  for (size_t i = 0; i < 3; ++i) r.rank_is(i, 4);
  r.same_dtype(0, 1);
  r.same_dtype(0, 2);
  const Shape &q = r.in(0).shape, &k = r.in(1).shape, &v = r.in(2).shape;
  const int64_t b = q[0], hq = q[1], s = q[2], d = q[3];
  const int64_t hkv = k[1], t = k[2], dv = v[3];
  r.dim_is(1, 0, b, "batch");
  r.dim_is(1, 3, d, "head_dim");
  r.dim_is(2, 0, b, "batch");
  r.dim_is(2, 1, hkv, "kv heads");
  r.dim_is(2, 2, t, "kv length");
  if (hkv == 0 || hq % hkv != 0)
    r.fail(fmt::format("query heads {} are not a multiple of key/value heads {}", hq, hkv));
  const bool has_past = r.has(4) || r.has(5);
  if (has_past && !(r.has(4) && r.has(5))) r.fail("past_key and past_value must be given together");
  int64_t p = 0;
  if (has_past) {
    r.rank_is(4, 4);
    r.rank_is(5, 4);
    r.same_dtype(0, 4);
    r.same_dtype(0, 5);
    p = r.in(4).shape[2];
    r.dim_is(4, 0, b, "batch");
    r.dim_is(4, 1, hkv, "kv heads");
    r.dim_is(4, 3, d, "head_dim");
    r.dim_is(5, 0, b, "batch");
    r.dim_is(5, 1, hkv, "kv heads");
    r.dim_is(5, 2, p, "past length");
    r.dim_is(5, 3, dv, "v head_dim");
  }
  const bool in_place = r.has(6);
  if (in_place) {
    if (!has_past) r.fail("kv_len needs past_k and past_v (the cache it counts)");
    if (r.has(3)) r.fail("kv_len with a mask is not defined (the cache is causal)");
    if (num_outputs != 3) r.fail("kv_len needs the present_k and present_v outputs");
    r.dtype_in(6, {DType::I64});
    if (num_elements(r.in(6).shape) != 1)
      r.fail(fmt::format("{} must have one element, got {}", r.label(6), shape_str(r.in(6).shape)));
    if (t > p) r.fail(fmt::format("{} new keys do not fit a cache of capacity {}", t, p));
  }
  if (r.has(3)) {
    r.dtype_in(3, {DType::Bool, r.in(0).dtype});
    if (r.rank(3) > 4) r.fail(fmt::format("{} must have rank <= 4", r.label(3)));
    const Shape scores{b, hq, s, p + t};
    auto bs = kernels::broadcast_shapes(r.in(3).shape, scores);
    if (!bs || *bs != scores)
      r.fail(fmt::format("{} shape {} does not broadcast to the scores {}", r.label(3),
                         shape_str(r.in(3).shape), shape_str(scores)));
  }
  if (num_outputs != 1 && num_outputs != 3)
    r.fail(
        fmt::format("has {} outputs, expected 1 (output) or 3 (output, present_key, "
                    "present_value)",
                    num_outputs));
  Types out{{r.in(0).dtype, {b, hq, s, dv}}};
  if (num_outputs == 3) {
    const int64_t total = in_place ? p : p + t;  // in place: the cache keeps its capacity
    out.push_back({r.in(0).dtype, {b, hkv, total, d}});
    out.push_back({r.in(0).dtype, {b, hkv, total, dv}});
  }
  return out;
}

// x [B,H,S,D]; cos/sin [max_pos, R/2] with position_ids [B,S], else [S, R/2] or [B, S, R/2].
Types infer_rotary(const Rules& r) {
  r.arity(3, 4);
  r.float_in(0);
  r.rank_is(0, 4);
  r.same_dtype(0, 1);
  r.same_dtype(0, 2);
  const Shape& x = r.in(0).shape;
  int64_t rot = r.attrs().get_int("rotary_dim", 0);
  if (rot == 0) rot = x[3];
  if (rot < 0 || rot > x[3] || rot % 2 != 0)
    r.fail(fmt::format("rotary_dim {} must be even and at most the head dim {}", rot, x[3]));
  if (r.in(1).shape != r.in(2).shape)
    r.fail(fmt::format("cos shape {} differs from sin shape {}", shape_str(r.in(1).shape),
                       shape_str(r.in(2).shape)));
  const Shape& cs = r.in(1).shape;
  if (r.has(3)) {
    r.dtype_in(3, {DType::I64});
    if (r.in(3).shape != Shape{x[0], x[2]})
      r.fail(fmt::format("{} has shape {}, expected [{}, {}] (batch, seq)", r.label(3),
                         shape_str(r.in(3).shape), x[0], x[2]));
    if (cs.size() != 2 || cs[1] != rot / 2)
      r.fail(fmt::format("cos shape {} must be [max_positions, {}] with position_ids",
                         shape_str(cs), rot / 2));
  } else {
    const bool ok =
        (cs.size() == 2 && cs[0] == x[2] && cs[1] == rot / 2) ||
        (cs.size() == 3 && (cs[0] == x[0] || cs[0] == 1) && cs[1] == x[2] && cs[2] == rot / 2);
    if (!ok)
      r.fail(fmt::format("cos shape {} must be [{}, {}] or [{}, {}, {}] without position_ids",
                         shape_str(cs), x[2], rot / 2, x[0], x[2], rot / 2));
  }
  return {r.in(0)};
}

// QuantizeLinear gives the zero point's dtype (uint8 without one, as ONNX); DequantizeLinear
// takes int8, uint8 or int32 (an exporter's quantized bias) with a zero point of that dtype.
Types infer_quant(OpKind op, const Rules& r) {
  r.arity(2, 3);
  if (op == OpKind::QuantizeLinear) {
    r.dtype_in(0, {DType::F32});
    if (r.has(2)) r.dtype_in(2, {DType::I8, DType::U8});
  } else {
    r.dtype_in(0, {DType::I8, DType::U8, DType::I32});
    if (r.has(2)) r.same_dtype(0, 2);
  }
  r.dtype_in(1, {DType::F32});
  const Shape& s = r.in(1).shape;
  const bool per_tensor = num_elements(s) == 1 && s.size() <= 1;
  if (!per_tensor) {
    if (s.size() != 1) r.fail(fmt::format("{} must be a scalar or 1-D", r.label(1)));
    const int64_t axis =
        r.guarded([&] { return normalize_axis(r.attrs().get_int("axis", 1), r.rank(0), "axis"); });
    r.dim_is(0, axis, s[0], "channels = scale length");
  }
  if (r.has(2) && r.in(2).shape != s)
    r.fail(fmt::format("zero_point shape {} differs from scale shape {}", shape_str(r.in(2).shape),
                       shape_str(s)));
  if (op == OpKind::DequantizeLinear) return {{DType::F32, r.in(0).shape}};
  return {{r.has(2) ? r.in(2).dtype : DType::U8, r.in(0).shape}};
}

bool is_scalar_like(const Shape& s) {
  return s.size() <= 1 && num_elements(s) == 1;
}

// A quantization parameter of operand `of` of a matrix product: a scalar, or 1-D with one
// entry per row of A (`per` = "row", count M) or column of B ("column", count N).
void quant_param(const Rules& r, size_t i, size_t of, int64_t count, const char* per) {
  const Shape& s = r.in(i).shape;
  if (is_scalar_like(s) || (s.size() == 1 && s[0] == count)) return;
  r.fail(fmt::format("{} has shape {}; expected a scalar or [{}] (one per {} of {})", r.label(i),
                     shape_str(s), count, per, r.label(of)));
}

int64_t rows_of(const Rules& r, size_t i) {
  return r.rank(i) == 1 ? 1 : r.in(i).shape[r.rank(i) - 2];
}
int64_t cols_of(const Rules& r, size_t i) {
  return r.rank(i) == 1 ? 1 : r.in(i).shape.back();
}

// MatMulInteger(A, B, [a_zero_point], [b_zero_point]) -> int32; A and B int8 or uint8, each
// zero point of its operand's dtype, per tensor or per row of A / per column of B.
Types infer_matmul_integer(const Rules& r) {
  r.arity(2, 4);
  r.dtype_in(0, {DType::I8, DType::U8});
  r.dtype_in(1, {DType::I8, DType::U8});
  const Shape out = matmul_shape(r);
  if (r.has(2)) {
    r.same_dtype(0, 2);
    quant_param(r, 2, 0, rows_of(r, 0), "row");
  }
  if (r.has(3)) {
    r.same_dtype(1, 3);
    quant_param(r, 3, 1, cols_of(r, 1), "column");
  }
  return {{DType::I32, out}};
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y_zp's dtype.
Types infer_qlinear_matmul(const Rules& r) {
  r.arity(8, 8);
  r.dtype_in(0, {DType::I8, DType::U8});
  r.dtype_in(3, {DType::I8, DType::U8});
  r.dtype_in(7, {DType::I8, DType::U8});
  for (size_t s : {1, 4, 6}) r.dtype_in(s, {DType::F32});
  r.same_dtype(0, 2);
  r.same_dtype(3, 5);
  const Shape out = matmul_shape(r, 0, 3);
  for (auto [scale, zp, of, count, per] :
       {std::tuple{size_t{1}, size_t{2}, size_t{0}, rows_of(r, 0), "row"},
        std::tuple{size_t{4}, size_t{5}, size_t{3}, cols_of(r, 3), "column"}}) {
    quant_param(r, scale, of, count, per);
    if (num_elements(r.in(zp).shape) != num_elements(r.in(scale).shape))
      r.fail(fmt::format("{} has shape {} but {} has {}", r.label(zp), shape_str(r.in(zp).shape),
                         r.label(scale), shape_str(r.in(scale).shape)));
  }
  for (size_t i : {6, 7})
    if (!is_scalar_like(r.in(i).shape))
      r.fail(fmt::format("{} has shape {}; the output is quantized per tensor (a scalar)",
                         r.label(i), shape_str(r.in(i).shape)));
  return {{r.in(7).dtype, out}};
}

}  // namespace

std::vector<TensorType> infer_types(OpKind op, const Attributes& attrs,
                                    std::span<const InferInput> inputs, size_t num_outputs) {
  const Rules r(op, attrs, inputs);
  const auto single = [&](Types t) {
    if (num_outputs != t.size())
      r.fail(fmt::format("has {} outputs, expected {}", num_outputs, t.size()));
    return t;
  };
  switch (op) {
    case OpKind::MatMul:
      return single(infer_matmul(r));
    case OpKind::Gemm:
      return single(infer_gemm(r));
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
    case OpKind::Equal:
      return single(infer_binary(op, r));
    case OpKind::Where:
      return single(infer_where(r));
    case OpKind::Sqrt:
    case OpKind::Exp:
    case OpKind::Erf:
    case OpKind::Tanh:
    case OpKind::Neg:
    case OpKind::Reciprocal:
    case OpKind::Relu:
    case OpKind::Gelu:
    case OpKind::Silu:
    case OpKind::Sigmoid:
      return single(infer_unary(op, r));
    case OpKind::Softmax:
      r.arity(1, 1);
      r.float_in(0);
      r.guarded([&] { return normalize_axis(attrs.get_int("axis", -1), r.rank(0), "axis"); });
      return single({r.in(0)});
    case OpKind::LayerNorm:
    case OpKind::RMSNorm:
      return single(infer_norm(op, r));
    case OpKind::ReduceMean:
    case OpKind::ReduceSum:
    case OpKind::ReduceMax:
      return single(infer_reduce(r));
    case OpKind::Reshape: {
      r.arity(1, 1);
      Shape out = r.guarded([&] {
        return resolve_reshape(r.in(0).shape, attrs.get_ints("shape"),
                               attrs.get_int("allowzero", 0) != 0);
      });
      return single({{r.in(0).dtype, out}});
    }
    case OpKind::Transpose: {
      r.arity(1, 1);
      const auto perm = r.guarded([&] { return resolve_perm(r.rank(0), attrs); });
      Shape out;
      for (int64_t p : perm) out.push_back(r.in(0).shape[p]);
      return single({{r.in(0).dtype, out}});
    }
    case OpKind::Concat:
      return single(infer_concat(r));
    case OpKind::Split:
      return infer_split(r, num_outputs);
    case OpKind::Slice: {
      r.arity(1, 1);
      SliceParams p = r.guarded([&] { return resolve_slice(r.in(0).shape, attrs); });
      return single({{r.in(0).dtype, p.out_shape}});
    }
    case OpKind::Gather:
    case OpKind::Embedding:
      return single(infer_gather(op, r));
    case OpKind::Unsqueeze:
      return single(r.guarded([&] { return infer_unsqueeze(r); }));
    case OpKind::Squeeze:
      return single(infer_squeeze(r));
    case OpKind::Expand:
      return single(infer_expand(r));
    case OpKind::Cast:
      return single(infer_cast(r));
    case OpKind::Attention:
      return infer_attention(r, num_outputs);
    case OpKind::RotaryEmbedding:
      return single(infer_rotary(r));
    case OpKind::QuantizeLinear:
    case OpKind::DequantizeLinear:
      return single(infer_quant(op, r));
    case OpKind::MatMulInteger:
      return single(infer_matmul_integer(r));
    case OpKind::QLinearMatMul:
      return single(infer_qlinear_matmul(r));
  }
  r.fail("unknown op");
}

std::vector<TensorType> infer_node_types(const Graph& graph, const Node& node) {
  std::vector<InferInput> inputs;
  for (ValueId id : node.inputs) {
    if (id == kNoValue) {
      inputs.push_back({"", std::nullopt});
    } else {
      const Value& v = graph.value(id);
      inputs.push_back({v.name, v.type});
    }
  }
  try {
    return infer_types(node.op, node.attrs, inputs, node.outputs.size());
  } catch (const Error& e) {
    throw Error(fmt::format("node '{}': {}", node.name, e.what()), e.status());
  }
}

}  // namespace nuri::ir
