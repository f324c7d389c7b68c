// Converters for arithmetic, activations, normalization, softmax, matmul and int8 ops.
#include <fmt/format.h>

#include "compiler/frontend/onnx/converters.h"
#include "nuri/error.hpp"

namespace nuri::onnx {
namespace {

using ir::OpKind;

// ONNX allows a constant operand of another dtype in a few exporters' outputs (Pow with an int
// exponent); the known side is converted to the other's dtype.
std::pair<Ref, Ref> unify(Importer& im, Ref a, Ref b) {
  const DType ta = im.type(a).dtype, tb = im.type(b).dtype;
  if (ta == tb) return {a, b};
  if (b.is_const() && !a.is_const()) return {a, cast_to(im, b, ta)};
  if (a.is_const() && !b.is_const()) return {cast_to(im, a, tb), b};
  if (is_float(ta) && !is_float(tb)) return {a, cast_to(im, b, ta)};
  if (is_float(tb) && !is_float(ta)) return {cast_to(im, a, tb), b};
  im.fail(fmt::format("operands have dtypes {} and {}", dtype_name(ta), dtype_name(tb)));
}

template <OpKind Op>
void binary(Importer& im) {
  auto [a, b] = unify(im, im.input(0), im.input(1));
  im.set_output(0, im.emit(Op, {a, b}));
}

template <OpKind Op>
void unary(Importer& im) {
  im.set_output(0, im.emit(Op, {im.input(0)}));
}

void where(Importer& im) {
  Ref cond = cast_to(im, im.input(0), DType::Bool);
  auto [x, y] = unify(im, im.input(1), im.input(2));
  im.set_output(0, im.emit(OpKind::Where, {cond, x, y}));
}

void matmul(Importer& im) {
  im.set_output(0, im.emit(OpKind::MatMul, {im.input(0), im.input(1)}));
}

void gemm(Importer& im) {
  ir::Attributes a{{"transA", im.attr_int("transA", 0)},
                   {"transB", im.attr_int("transB", 0)},
                   {"alpha", im.attr_float("alpha", 1.0)},
                   {"beta", im.attr_float("beta", 1.0)}};
  std::vector<Ref> in{im.input(0), im.input(1)};
  if (im.has_input(2)) in.push_back(im.input(2));
  im.set_output(0, im.emit(OpKind::Gemm, in, a));
}

void softmax(Importer& im) {
  im.set_output(0, im.emit(OpKind::Softmax, {im.input(0)}, {{"axis", im.attr_int("axis", -1)}}));
}

// LayerNormalization (opset 17): the Mean / InvStdDev outputs are not supported.
void layer_norm(Importer& im) {
  const ir::TensorType x = im.input_type(0);
  const int64_t axis = im.attr_int("axis", -1);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) im.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  const Shape norm(x.shape.begin() + a, x.shape.end());
  // Scale/bias may be given in a broadcastable shape such as [1, E]: reshape to the norm dims.
  auto fit = [&](Ref r) {
    const ir::TensorType t = im.type(r);
    if (t.shape == norm || t.numel() != num_elements(norm)) return r;
    return im.emit(OpKind::Reshape, {r}, {{"shape", norm}});
  };
  std::vector<Ref> in{im.input(0), fit(im.input(1))};
  if (im.has_input(2)) in.push_back(fit(im.input(2)));
  im.set_output(0, im.emit(OpKind::LayerNorm, in,
                           {{"axis", axis}, {"epsilon", im.attr_float("epsilon", 1e-5)}}));
}

// Reduce*: axes is an attribute before opset 18 (ReduceSum: before 13), an input after.
template <OpKind Op>
void reduce(Importer& im) {
  std::vector<int64_t> axes;
  if (im.has_input(1))
    axes = im.ints_input(1, "axes");
  else
    axes = im.attr_ints("axes");
  if (axes.empty() && im.attr_int("noop_with_empty_axes", 0) != 0) {
    im.set_output(0, im.input(0));
    return;
  }
  ir::Attributes a{{"keepdims", im.attr_int("keepdims", 1)}};
  if (!axes.empty()) a.set("axes", axes);
  im.set_output(0, im.emit(Op, {im.input(0)}, a));
}

void gelu_ms(Importer& im) {  // Gelu (opset 20) with its approximate attribute
  const std::string approx = im.attr_string("approximate", "none");
  im.set_output(0, im.emit(OpKind::Gelu, {im.input(0)}, {{"approximate", approx}}));
}

Ref check_int8_zero_point(Importer& im, size_t i) {
  if (!im.has_input(i)) return {};
  const ir::TensorType t = im.input_type(i);
  if (t.dtype != DType::I8)
    im.fail(fmt::format("zero point has dtype {}; only int8 quantization is supported",
                        dtype_name(t.dtype)));
  return im.input(i);
}

template <OpKind Op>
void quant(Importer& im) {
  std::vector<Ref> in{im.input(0), im.input(1)};
  Ref zp = check_int8_zero_point(im, 2);
  if (zp.present()) in.push_back(zp);
  im.set_output(0, im.emit(Op, in, {{"axis", im.attr_int("axis", 1)}}));
}

// MatMulInteger lowers to f32: (A - a_zp) @ (B - b_zp), cast back to int32. Each product of two
// int8-range differences is at most 255*255 and f32 sums integers exactly below 2^24, so the
// result is exact for K <= 258 in the worst case (K <= 1024 with zero points of 0).
void matmul_integer(Importer& im) {
  auto side = [&](size_t v, size_t zp_i, bool is_a) {
    const ir::TensorType t = im.input_type(v);
    if (t.dtype != DType::I8)
      im.fail(fmt::format("input {} has dtype {}; only int8 is supported", v, dtype_name(t.dtype)));
    Ref x = cast_to(im, im.input(v), DType::F32);
    if (im.has_input(zp_i)) {
      Ref zp = cast_to(im, check_int8_zero_point(im, zp_i), DType::F32);
      const ir::TensorType zt = im.type(zp);
      // A's per-row zero point [M] applies along rows: make it [M, 1].
      if (is_a && zt.shape.size() == 1 && zt.shape[0] != 1)
        zp = im.emit(OpKind::Reshape, {zp}, {{"shape", std::vector<int64_t>{zt.shape[0], 1}}});
      x = im.emit(OpKind::Sub, {x, zp});
    }
    return x;
  };
  Ref a = side(0, 2, true), b = side(1, 3, false);
  Ref acc = im.emit(OpKind::MatMul, {a, b});
  im.set_output(0, cast_to(im, acc, DType::I32));
}

}  // namespace

const ConverterTable& math_converters() {
  static const ConverterTable t = {
      {"Add", binary<OpKind::Add>},
      {"Sub", binary<OpKind::Sub>},
      {"Mul", binary<OpKind::Mul>},
      {"Div", binary<OpKind::Div>},
      {"Pow", binary<OpKind::Pow>},
      {"Equal", binary<OpKind::Equal>},
      {"Sqrt", unary<OpKind::Sqrt>},
      {"Exp", unary<OpKind::Exp>},
      {"Erf", unary<OpKind::Erf>},
      {"Tanh", unary<OpKind::Tanh>},
      {"Neg", unary<OpKind::Neg>},
      {"Reciprocal", unary<OpKind::Reciprocal>},
      {"Relu", unary<OpKind::Relu>},
      {"Sigmoid", unary<OpKind::Sigmoid>},
      {"Gelu", gelu_ms},
      {"Where", where},
      {"MatMul", matmul},
      {"Gemm", gemm},
      {"Softmax", softmax},
      {"LayerNormalization", layer_norm},
      {"ReduceMean", reduce<OpKind::ReduceMean>},
      {"ReduceSum", reduce<OpKind::ReduceSum>},
      {"ReduceMax", reduce<OpKind::ReduceMax>},
      {"QuantizeLinear", quant<OpKind::QuantizeLinear>},
      {"DequantizeLinear", quant<OpKind::DequantizeLinear>},
      {"MatMulInteger", matmul_integer},
  };
  return t;
}

}  // namespace nuri::onnx
