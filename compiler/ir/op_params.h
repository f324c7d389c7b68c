// Resolving an op's attributes against its input shapes (negative axes, -1 in reshape,
// slice clamping). Shape inference and every device's lowering share these, so all agree.
#pragma once

#include <cstdint>
#include <vector>

#include "compiler/ir/attributes.h"
#include "nuri/tensor.hpp"

namespace nuri::ir {

// Maps axis in [-rank, rank) to [0, rank); throws naming `what` when out of range.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what);
// Normalizes, sorts and checks a list of axes for duplicates.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* what);

// Reshape: 0 copies the input dim (unless allowzero), one -1 is inferred.
Shape resolve_reshape(const Shape& in, const std::vector<int64_t>& target, bool allowzero);

struct SliceParams {
  std::vector<int64_t> starts;  // per input dim, normalized and clamped
  std::vector<int64_t> steps;   // per input dim (1 where not sliced)
  Shape out_shape;
};
// ONNX Slice semantics: starts/ends clamped per the sign of the step; axes default 0..n-1.
SliceParams resolve_slice(const Shape& in, const Attributes& attrs);

// Split sizes from the "split" attribute, or `num_outputs` equal parts.
std::vector<int64_t> resolve_split(const Shape& in, int64_t axis, const Attributes& attrs,
                                   int64_t num_outputs);

// Transpose permutation: "perm" or the reversed dims.
std::vector<int64_t> resolve_perm(int64_t rank, const Attributes& attrs);

// Reduce axes: "axes" (empty = all dims), normalized and sorted.
std::vector<int64_t> resolve_reduce_axes(int64_t rank, const Attributes& attrs);

// Squeeze axes: "axes", or every dim of size 1 when absent.
std::vector<int64_t> resolve_squeeze_axes(const Shape& in, const Attributes& attrs);

// Splits a shape at `axis` into (outer = prod dims before, inner = prod dims from axis).
struct RowsCols {
  int64_t rows, cols;
};
RowsCols split_at(const Shape& shape, int64_t axis);

}  // namespace nuri::ir
