// Converters for logic, comparison and min/max ops. The IR has no ordered comparisons, so those
// fold when their operands are known (the masks exporters build from shapes); Not/And/Or and
// Trilu lower to Equal/Where, which also work at run time.
#include <fmt/format.h>

#include "compiler/frontend/onnx/converters.h"
#include "compiler/frontend/onnx/onnx_tensor.h"
#include "kernels/cpu/broadcast.h"
#include "nuri/error.hpp"

namespace nuri::onnx {
namespace {

using ir::OpKind;

Ref bool_const(Importer& im, bool v) {
  return im.constant(scalar_tensor(DType::Bool, v ? 1 : 0));
}

void logical_not(Importer& im) {
  im.set_output(
      0, im.emit(OpKind::Equal, {cast_to(im, im.input(0), DType::Bool), bool_const(im, false)}));
}

void logical_and(Importer& im) {  // a ? b : false
  Ref a = cast_to(im, im.input(0), DType::Bool), b = cast_to(im, im.input(1), DType::Bool);
  im.set_output(0, im.emit(OpKind::Where, {a, b, bool_const(im, false)}));
}

void logical_or(Importer& im) {  // a ? true : b
  Ref a = cast_to(im, im.input(0), DType::Bool), b = cast_to(im, im.input(1), DType::Bool);
  im.set_output(0, im.emit(OpKind::Where, {a, bool_const(im, true), b}));
}

// Elementwise over two known tensors with broadcasting; `f` gets (a_index, b_index, out_index).
template <typename F>
Tensor broadcast_apply(Importer& im, const Tensor& a, const Tensor& b, DType out_dtype, F f) {
  const auto shape = kernels::broadcast_shapes(a.shape(), b.shape());
  if (!shape)
    im.fail(fmt::format("shapes {} and {} do not broadcast", shape_str(a.shape()),
                        shape_str(b.shape())));
  checked_numel(*shape, "comparison", kMaxFoldedElements);
  Tensor out(out_dtype, *shape);
  const auto sa = kernels::broadcast_strides(a.shape(), *shape);
  const auto sb = kernels::broadcast_strides(b.shape(), *shape);
  const size_t rank = shape->size();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < out.numel(); ++o) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    f(ia, ib, o, out);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < (*shape)[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

enum class Cmp { Less, Greater, LessEq, GreaterEq };

template <Cmp C>
void compare(Importer& im) {
  const Tensor& a = im.const_input(0, "lhs (comparisons fold only on known values)");
  const Tensor& b = im.const_input(1, "rhs (comparisons fold only on known values)");
  const bool ints = !is_float(a.dtype()) && !is_float(b.dtype());
  Tensor out =
      broadcast_apply(im, a, b, DType::Bool, [&](int64_t ia, int64_t ib, int64_t o, Tensor& t) {
        int c;  // -1, 0, 1; NaN compares false everywhere
        if (ints) {
          const int64_t x = element_i(a, ia), y = element_i(b, ib);
          c = x < y ? -1 : (x > y ? 1 : 0);
        } else {
          const double x = element_f(a, ia), y = element_f(b, ib);
          c = x < y ? -1 : (x > y ? 1 : (x == y ? 0 : 2));
        }
        bool r = false;
        if constexpr (C == Cmp::Less) r = c == -1;
        if constexpr (C == Cmp::Greater) r = c == 1;
        if constexpr (C == Cmp::LessEq) r = c == -1 || c == 0;
        if constexpr (C == Cmp::GreaterEq) r = c == 1 || c == 0;
        t.data_as<uint8_t>()[o] = r;
      });
  im.set_output(0, im.constant(std::move(out)));
}

template <bool IsMax>
void min_max(Importer& im) {
  Tensor acc = im.const_input(0, "operand (Min/Max fold only on known values)");
  for (size_t i = 1; i < im.num_inputs(); ++i) {
    const Tensor& b = im.const_input(i, "operand (Min/Max fold only on known values)");
    if (b.dtype() != acc.dtype()) im.fail("operands differ in dtype");
    const bool ints = !is_float(acc.dtype());
    acc =
        broadcast_apply(im, acc, b, acc.dtype(), [&](int64_t ia, int64_t ib, int64_t o, Tensor& t) {
          const size_t es = dtype_size(t.dtype());
          bool take_b;
          if (ints)
            take_b = IsMax ? element_i(b, ib) > element_i(acc, ia)
                           : element_i(b, ib) < element_i(acc, ia);
          else
            take_b = IsMax ? element_f(b, ib) > element_f(acc, ia)
                           : element_f(b, ib) < element_f(acc, ia);
          const Tensor& src = take_b ? b : acc;
          std::memcpy(static_cast<std::byte*>(t.data()) + o * es,
                      static_cast<const std::byte*>(src.data()) + (take_b ? ib : ia) * es, es);
        });
  }
  im.set_output(0, im.constant(std::move(acc)));
}

// Trilu keeps the upper (or lower) triangle from diagonal k: a Where with a known bool mask.
void trilu(Importer& im) {
  const ir::TensorType x = im.input_type(0);
  if (x.shape.size() < 2) im.fail("input must have rank >= 2");
  const int64_t k = im.has_input(1) ? im.ints_input(1, "k").at(0) : 0;
  const bool upper = im.attr_int("upper", 1) != 0;
  const int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
  checked_numel({rows, cols}, "Trilu mask", kMaxFoldedElements);
  Tensor mask(DType::Bool, {rows, cols});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      mask.data_as<uint8_t>()[i * cols + j] = upper ? (j - i >= k) : (j - i <= k);
  Ref zero = im.constant(scalar_tensor(x.dtype, 0));
  im.set_output(0, im.emit(OpKind::Where, {im.constant(std::move(mask)), im.input(0), zero}));
}

}  // namespace

const ConverterTable& logic_converters() {
  static const ConverterTable t = {
      {"Not", logical_not},
      {"And", logical_and},
      {"Or", logical_or},
      {"Less", compare<Cmp::Less>},
      {"Greater", compare<Cmp::Greater>},
      {"LessOrEqual", compare<Cmp::LessEq>},
      {"GreaterOrEqual", compare<Cmp::GreaterEq>},
      {"Min", min_max<false>},
      {"Max", min_max<true>},
      {"Trilu", trilu},
  };
  return t;
}

}  // namespace nuri::onnx
