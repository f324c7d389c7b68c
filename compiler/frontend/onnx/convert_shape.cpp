// Converters for shape and data-movement ops. Shape-like operands (Reshape's shape, Slice's
// starts/ends, Unsqueeze's axes, ...) must fold to constants and become IR attributes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/frontend/onnx/converters.h"
#include "compiler/frontend/onnx/onnx_tensor.h"
#include "nuri/error.hpp"

namespace nuri::onnx {
namespace {

using ir::OpKind;

Tensor i64_tensor(const std::vector<int64_t>& v, Shape shape) {
  Tensor t(DType::I64, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) t.data_as<int64_t>()[i] = v[i];
  return t;
}

void identity(Importer& im) {
  im.set_output(0, im.input(0));
}

void dropout(Importer& im) {  // inference: the identity; the mask, if asked for, is all true
  im.set_output(0, im.input(0));
  if (im.num_outputs() > 1) {
    Tensor mask(DType::Bool, im.input_type(0).shape);
    for (int64_t i = 0; i < mask.numel(); ++i) mask.data_as<uint8_t>()[i] = 1;
    im.set_output(1, im.constant(std::move(mask)));
  }
}

void constant(Importer& im) {
  if (im.has_attr("value")) {
    im.set_output(0, im.constant(im.attr_tensor("value")));
  } else if (im.has_attr("value_float")) {
    im.set_output(0, im.constant(scalar_tensor(DType::F32, im.attr_float("value_float", 0))));
  } else if (im.has_attr("value_int")) {
    Tensor t(DType::I64, {});
    *t.data_as<int64_t>() = im.attr_int("value_int", 0);
    im.set_output(0, im.constant(std::move(t)));
  } else if (im.has_attr("value_ints")) {
    const auto v = im.attr_ints("value_ints");
    im.set_output(0, im.constant(i64_tensor(v, {static_cast<int64_t>(v.size())})));
  } else if (im.has_attr("value_floats")) {
    const std::vector<float> v = im.attr_floats("value_floats");
    Tensor t(DType::F32, {static_cast<int64_t>(v.size())});
    for (size_t i = 0; i < v.size(); ++i) t.data_as<float>()[i] = v[i];
    im.set_output(0, im.constant(std::move(t)));
  } else {
    im.fail("only value, value_float(s) and value_int(s) constants are supported");
  }
}

void shape(Importer& im) {
  const Shape s = im.input_type(0).shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  auto clamp = [&](int64_t v) {
    if (v < 0) v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  const int64_t start = clamp(im.attr_int("start", 0)), end = clamp(im.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[i]);
  im.set_output(0, im.constant(i64_tensor(dims, {static_cast<int64_t>(dims.size())})));
}

void size(Importer& im) {
  im.set_output(0, im.constant(i64_tensor({im.input_type(0).numel()}, {})));
}

void reshape(Importer& im) {
  im.set_output(0, im.emit(OpKind::Reshape, {im.input(0)},
                           {{"shape", im.ints_input(1, "shape")},
                            {"allowzero", im.attr_int("allowzero", 0)}}));
}

void flatten(Importer& im) {
  const Shape s = im.input_type(0).shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t axis = im.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) im.fail(fmt::format("axis is out of range for rank {}", rank));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? outer : inner) *= s[i];
  im.set_output(
      0, im.emit(OpKind::Reshape, {im.input(0)}, {{"shape", std::vector<int64_t>{outer, inner}}}));
}

void transpose(Importer& im) {
  ir::Attributes a;
  if (im.has_attr("perm")) a.set("perm", im.attr_ints("perm"));
  im.set_output(0, im.emit(OpKind::Transpose, {im.input(0)}, a));
}

void concat(Importer& im) {
  std::vector<Ref> in;
  for (size_t i = 0; i < im.num_inputs(); ++i) in.push_back(im.input(i));
  if (in.empty()) im.fail("needs at least one input");
  im.set_output(0, im.emit(OpKind::Concat, in, {{"axis", im.attr_int("axis", 0)}}));
}

void split(Importer& im) {
  const Shape s = im.input_type(0).shape;
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t axis = im.attr_int("axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) im.fail(fmt::format("axis is out of range for rank {}", rank));
  const int64_t n = static_cast<int64_t>(im.num_outputs());
  std::vector<int64_t> sizes;
  if (im.has_input(1)) {
    sizes = im.ints_input(1, "split");
  } else if (im.has_attr("split")) {
    sizes = im.attr_ints("split");
  } else {
    // Equal parts; opset 18's num_outputs lets the last part be smaller.
    const int64_t parts = im.attr_int("num_outputs", n);
    if (parts <= 0) im.fail("num_outputs must be positive");
    const int64_t chunk = (s[axis] + parts - 1) / parts;
    for (int64_t i = 0, left = s[axis]; i < parts; ++i, left -= chunk)
      sizes.push_back(std::clamp<int64_t>(left, 0, chunk));
  }
  if (static_cast<int64_t>(sizes.size()) != n)
    im.fail(fmt::format("{} split sizes for {} outputs", sizes.size(), n));
  auto outs = im.emit_n(OpKind::Split, {im.input(0)}, {{"axis", axis}, {"split", sizes}},
                        static_cast<size_t>(n));
  for (size_t i = 0; i < outs.size(); ++i) im.set_output(i, outs[i]);
}

void slice(Importer& im) {
  ir::Attributes a{{"starts", im.ints_input(1, "starts")}, {"ends", im.ints_input(2, "ends")}};
  if (im.has_input(3)) a.set("axes", im.ints_input(3, "axes"));
  if (im.has_input(4)) {
    // A step past the dim's size reads the same single element as a step of the size; clamping
    // keeps stride arithmetic far from overflow on hostile files.
    std::vector<int64_t> steps = im.ints_input(4, "steps");
    const Shape s = im.input_type(0).shape;
    const auto rank = static_cast<int64_t>(s.size());
    std::vector<int64_t> axes = a.get_ints("axes", {});
    for (size_t i = 0; i < steps.size(); ++i) {
      int64_t ax = i < axes.size() ? axes[i] : static_cast<int64_t>(i);
      if (ax < 0) ax += rank;
      if (ax < 0 || ax >= rank) continue;
      const int64_t lim = std::max<int64_t>(s[ax], 1);
      steps[i] = std::clamp(steps[i], -lim, lim);
    }
    a.set("steps", steps);
  }
  im.set_output(0, im.emit(OpKind::Slice, {im.input(0)}, a));
}

void gather(Importer& im) {
  const int64_t axis = im.attr_int("axis", 0);
  Ref idx = im.input(1);
  const ir::TensorType data = im.input_type(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  const int64_t a = axis < 0 ? axis + rank : axis;
  // ONNX allows negative indices; known ones are wrapped here (runtime ids must be >= 0).
  if (idx.is_const() && a >= 0 && a < rank) {
    const Tensor& t = *idx.data;
    Tensor fixed(DType::I64, t.shape());
    for (int64_t i = 0; i < t.numel(); ++i) {
      int64_t v = element_i(t, i);
      if (v < 0) v += data.shape[a];
      if (v < 0 || v >= data.shape[a])
        im.fail(fmt::format("index {} is out of range for dim {} of size {}", element_i(t, i), a,
                            data.shape[a]));
      fixed.data_as<int64_t>()[i] = v;
    }
    idx = im.constant(std::move(fixed));
  }
  im.set_output(0, im.emit(OpKind::Gather, {im.input(0), idx}, {{"axis", axis}}));
}

void unsqueeze(Importer& im) {
  std::vector<int64_t> axes = im.has_input(1) ? im.ints_input(1, "axes") : im.attr_ints("axes");
  im.set_output(0, im.emit(OpKind::Unsqueeze, {im.input(0)}, {{"axes", axes}}));
}

void squeeze(Importer& im) {
  ir::Attributes a;
  if (im.has_input(1))
    a.set("axes", im.ints_input(1, "axes"));
  else if (im.has_attr("axes"))
    a.set("axes", im.attr_ints("axes"));
  im.set_output(0, im.emit(OpKind::Squeeze, {im.input(0)}, a));
}

void expand(Importer& im) {
  im.set_output(0, im.emit(OpKind::Expand, {im.input(0)}, {{"shape", im.ints_input(1, "shape")}}));
}

void cast(Importer& im) {
  const int64_t to = im.attr_int("to", 0);
  const auto dtype = dtype_from_onnx(static_cast<int32_t>(to));
  if (!dtype)
    im.fail(fmt::format("cast to {} is not supported", onnx_type_name(static_cast<int32_t>(to))));
  im.set_output(0, cast_to(im, im.input(0), *dtype));
}

void cast_like(Importer& im) {
  im.set_output(0, cast_to(im, im.input(0), im.input_type(1).dtype));
}

void constant_of_shape(Importer& im) {
  std::vector<int64_t> dims = im.ints_input(0, "shape");
  Tensor value = im.has_attr("value") ? im.attr_tensor("value") : scalar_tensor(DType::F32, 0);
  if (value.numel() != 1) im.fail("value must hold one element");
  checked_numel(dims, "ConstantOfShape", kMaxFoldedElements);
  Tensor out(value.dtype(), dims);
  const size_t es = dtype_size(value.dtype());
  for (int64_t i = 0; i < out.numel(); ++i)
    std::memcpy(static_cast<std::byte*>(out.data()) + i * es, value.data(), es);
  im.set_output(0, im.constant(std::move(out)));
}

void range(Importer& im) {
  const Tensor& s = im.const_input(0, "start");
  const Tensor& l = im.const_input(1, "limit");
  const Tensor& d = im.const_input(2, "delta");
  if (s.numel() != 1 || l.numel() != 1 || d.numel() != 1) im.fail("inputs must be scalars");
  const double start = element_f(s, 0), limit = element_f(l, 0), delta = element_f(d, 0);
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
    im.fail("delta must be nonzero and the inputs finite");
  const double count = std::max(std::ceil((limit - start) / delta), 0.0);
  if (count > static_cast<double>(kMaxFoldedElements)) im.fail("the range is too long");
  const auto n = static_cast<int64_t>(count);
  Tensor out(s.dtype(), {n});
  // Integer ranges in wrapping arithmetic: no overflow trap on hostile inputs.
  const auto int_at = [&](int64_t i) {
    return static_cast<int64_t>(static_cast<uint64_t>(element_i(s, 0)) +
                                static_cast<uint64_t>(i) * static_cast<uint64_t>(element_i(d, 0)));
  };
  for (int64_t i = 0; i < n; ++i) {
    const double v = start + static_cast<double>(i) * delta;
    switch (s.dtype()) {
      case DType::I64:
        out.data_as<int64_t>()[i] = int_at(i);
        break;
      case DType::I32:
        out.data_as<int32_t>()[i] = static_cast<int32_t>(int_at(i));
        break;
      case DType::F32:
        out.data_as<float>()[i] = static_cast<float>(v);
        break;
      default:
        im.fail(fmt::format("dtype {} is not supported", dtype_name(s.dtype())));
    }
  }
  im.set_output(0, im.constant(std::move(out)));
}

}  // namespace

const ConverterTable& shape_converters() {
  static const ConverterTable t = {
      {"Identity", identity},   {"Dropout", dropout},     {"Constant", constant},
      {"Shape", shape},         {"Size", size},           {"Reshape", reshape},
      {"Flatten", flatten},     {"Transpose", transpose}, {"Concat", concat},
      {"Split", split},         {"Slice", slice},         {"Gather", gather},
      {"Unsqueeze", unsqueeze}, {"Squeeze", squeeze},     {"Expand", expand},
      {"Cast", cast},           {"CastLike", cast_like},  {"ConstantOfShape", constant_of_shape},
      {"Range", range},
  };
  return t;
}

}  // namespace nuri::onnx
