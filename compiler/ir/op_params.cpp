#include "compiler/ir/op_params.h"

#include <fmt/format.h>

#include <algorithm>

#include "nuri/error.hpp"

namespace nuri::ir {

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    throw Error(fmt::format("{} {} is out of range for rank {} (expected [{}, {}])", what, axis,
                            rank, -rank, rank - 1));
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* what) {
  std::vector<int64_t> out;
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, what));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw Error(fmt::format("{} lists a dimension twice: [{}]", what, fmt::join(axes, ", ")));
  return out;
}

Shape resolve_reshape(const Shape& in, const std::vector<int64_t>& target, bool allowzero) {
  Shape out(target.size());
  int64_t infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (infer_at >= 0) throw Error("reshape target has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= in.size())
        throw Error(fmt::format("reshape target {} copies dim {} (0) but the input {} has rank {}",
                                shape_str(target), i, shape_str(in), in.size()));
      d = in[i];
    }
    if (d < 0) throw Error(fmt::format("reshape target {} has negative dim", shape_str(target)));
    out[i] = d;
    if (__builtin_mul_overflow(known, d, &known))  // a malformed model's huge dims
      throw Error(fmt::format("reshape target {} has more elements than fit in 64 bits",
                              shape_str(target)));
  }
  const int64_t total = num_elements(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      throw Error(fmt::format("cannot reshape {} ({} elements) to {}", shape_str(in), total,
                              shape_str(target)));
    out[infer_at] = total / known;
  } else if (known != total) {
    throw Error(fmt::format("cannot reshape {} ({} elements) to {} ({} elements)", shape_str(in),
                            total, shape_str(out), known));
  }
  return out;
}

SliceParams resolve_slice(const Shape& in, const Attributes& attrs) {
  const int64_t rank = static_cast<int64_t>(in.size());
  const std::vector<int64_t> starts = attrs.get_ints("starts");
  const std::vector<int64_t> ends = attrs.get_ints("ends");
  std::vector<int64_t> axes = attrs.get_ints("axes", {});
  std::vector<int64_t> steps = attrs.get_ints("steps", {});
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw Error(
        fmt::format("slice: starts ({}), ends ({}), axes ({}) and steps ({}) differ in "
                    "length",
                    starts.size(), ends.size(), axes.size(), steps.size()));
  SliceParams p{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 1), in};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t ax = normalize_axis(axes[i], rank, "slice axis");
    if (seen[ax]) throw Error(fmt::format("slice: axis {} given twice", ax));
    seen[ax] = true;
    const int64_t dim = in[ax];
    const int64_t step = steps[i];
    if (step == 0) throw Error(fmt::format("slice: step 0 on axis {}", ax));
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      p.out_shape[ax] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      p.out_shape[ax] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    p.starts[ax] = p.out_shape[ax] > 0 ? s : 0;
    p.steps[ax] = step;
  }
  return p;
}

std::vector<int64_t> resolve_split(const Shape& in, int64_t axis, const Attributes& attrs,
                                   int64_t num_outputs) {
  const int64_t dim = in[axis];
  std::vector<int64_t> sizes = attrs.get_ints("split", {});
  if (sizes.empty()) {
    if (num_outputs <= 0 || dim % num_outputs != 0)
      throw Error(fmt::format("split: dim {} of size {} does not divide into {} equal parts", axis,
                              dim, num_outputs));
    sizes.assign(num_outputs, dim / num_outputs);
  }
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) throw Error("split: negative size");
    sum += s;
  }
  if (sum != dim)
    throw Error(fmt::format("split sizes [{}] sum to {}, but dim {} has size {}",
                            fmt::join(sizes, ", "), sum, axis, dim));
  if (static_cast<int64_t>(sizes.size()) != num_outputs)
    throw Error(fmt::format("split: {} sizes for {} outputs", sizes.size(), num_outputs));
  return sizes;
}

std::vector<int64_t> resolve_perm(int64_t rank, const Attributes& attrs) {
  std::vector<int64_t> perm = attrs.get_ints("perm", {});
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
    return perm;
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    throw Error(fmt::format("transpose perm [{}] has {} entries for rank {}", fmt::join(perm, ", "),
                            perm.size(), rank));
  std::vector<int64_t> sorted = normalize_axes(perm, rank, "transpose perm");
  for (int64_t& p : perm) p = p < 0 ? p + rank : p;
  return perm;
}

std::vector<int64_t> resolve_reduce_axes(int64_t rank, const Attributes& attrs) {
  std::vector<int64_t> axes = attrs.get_ints("axes", {});
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    return axes;
  }
  return normalize_axes(axes, rank, "reduce axis");
}

std::vector<int64_t> resolve_squeeze_axes(const Shape& in, const Attributes& attrs) {
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes = attrs.get_ints("axes", {});
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i)
      if (in[i] == 1) axes.push_back(i);
    return axes;
  }
  axes = normalize_axes(axes, rank, "squeeze axis");
  for (int64_t a : axes)
    if (in[a] != 1)
      throw Error(
          fmt::format("squeeze axis {} has size {} in {}, expected 1", a, in[a], shape_str(in)));
  return axes;
}

RowsCols split_at(const Shape& shape, int64_t axis) {
  RowsCols rc{1, 1};
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i)
    (i < axis ? rc.rows : rc.cols) *= shape[i];
  return rc;
}

}  // namespace nuri::ir
