// Converters for arithmetic, activations, normalization, softmax, matmul and 8-bit ops.
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

// Quantize/Dequantize: dtypes (int8/uint8 zero points; int32 for a dequantized bias) are
// checked by the IR's shape inference, which names the node.
template <OpKind Op>
void quant(Importer& im) {
  std::vector<Ref> in{im.input(0), im.input(1)};
  if (im.has_input(2)) in.push_back(im.input(2));
  im.set_output(0, im.emit(Op, in, {{"axis", im.attr_int("axis", 1)}}));
}

// MatMulInteger(A, B, [a_zero_point], [b_zero_point]) and QLinearMatMul (8 inputs) map one to
// one onto the IR ops of the same name (int32 accumulation, exact for any K below 33026).
void matmul_integer(Importer& im) {
  std::vector<Ref> in{im.input(0), im.input(1)};
  for (size_t i : {2, 3}) in.push_back(im.has_input(i) ? im.input(i) : Ref{});
  while (!in.back().present()) in.pop_back();
  im.set_output(0, im.emit(OpKind::MatMulInteger, in));
}

void qlinear_matmul(Importer& im) {
  std::vector<Ref> in;
  for (size_t i = 0; i < 8; ++i) in.push_back(im.input(i));
  im.set_output(0, im.emit(OpKind::QLinearMatMul, in));
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
      {"QLinearMatMul", qlinear_matmul},
  };
  return t;
}

}  // namespace nuri::onnx
