#include "kernels/cpu/reduce.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

// A reduction over a coalesced view: size-1 dims dropped, neighbouring dims that are both
// kept or both reduced merged (they are contiguous in x and in y alike).
struct ReducePlan {
  std::vector<int64_t> shape;
  std::vector<bool> reduced;
  std::vector<int64_t> y_strides;  // 0 on reduced dims
};

ReducePlan plan_reduce(Dims shape, const std::vector<bool>& reduced_mask) {
  ReducePlan plan;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!plan.shape.empty() && plan.reduced.back() == reduced_mask[d]) {
      plan.shape.back() *= shape[d];
    } else {
      plan.shape.push_back(shape[d]);
      plan.reduced.push_back(reduced_mask[d]);
    }
  }
  const size_t rank = plan.shape.size();
  plan.y_strides.assign(rank, 0);
  int64_t ys = 1;
  for (size_t d = rank; d-- > 0;) {
    if (!plan.reduced[d]) {
      plan.y_strides[d] = ys;
      ys *= plan.shape[d];
    }
  }
  return plan;
}

// Max that lets NaN win, so a NaN anywhere in the group reaches the output.
inline double max_nan(double acc, double v) {
  return (v > acc || std::isnan(v)) ? v : acc;
}

}  // namespace

// Empty groups (a reduced dim of size 0) give Sum 0, Mean NaN (0/0) and Max -inf. Empty
// `axes` reduces nothing (y = x); applying ONNX's "all axes" default is the caller's job.
void reduce(ReduceOp op, const float* x, Dims x_shape, Dims axes, float* y) {
  const auto rank = static_cast<int64_t>(x_shape.size());
  std::vector<bool> mask(x_shape.size(), false);
  for (int64_t a : axes) {
    if (a < 0 || a >= rank)
      throw Error("reduce: axis " + std::to_string(a) + " out of range for rank " +
                  std::to_string(rank));
    if (mask[static_cast<size_t>(a)])
      throw Error("reduce: axis " + std::to_string(a) + " repeated");
    mask[static_cast<size_t>(a)] = true;
  }
  int64_t x_n = 1;
  int64_t y_n = 1;
  int64_t group = 1;
  for (size_t d = 0; d < x_shape.size(); ++d) {
    if (x_shape[d] < 0) throw Error("reduce: negative dimension in shape");
    x_n *= x_shape[d];
    (mask[d] ? group : y_n) *= x_shape[d];
  }
  if (y_n == 0) return;

  const bool is_max = op == ReduceOp::Max;
  std::vector<double> acc(static_cast<size_t>(y_n),
                          is_max ? -std::numeric_limits<double>::infinity() : 0.0);
  if (x_n > 0) {
    const ReducePlan plan = plan_reduce(x_shape, mask);
    const size_t pr = plan.shape.size();
    // Innermost coalesced dim is walked by a flat loop; the rest by an odometer.
    const int64_t n = pr == 0 ? 1 : plan.shape[pr - 1];
    const bool inner_reduced = pr != 0 && plan.reduced[pr - 1];
    std::vector<int64_t> index(pr, 0);
    int64_t y_off = 0;
    for (int64_t x_off = 0; x_off < x_n; x_off += n) {
      const float* row = x + x_off;
      if (inner_reduced) {
        double r = acc[static_cast<size_t>(y_off)];
        if (is_max) {
          for (int64_t j = 0; j < n; ++j) r = max_nan(r, row[j]);
        } else {
          for (int64_t j = 0; j < n; ++j) r += row[j];
        }
        acc[static_cast<size_t>(y_off)] = r;
      } else {
        double* ar = acc.data() + y_off;
        if (is_max) {
          for (int64_t j = 0; j < n; ++j) ar[j] = max_nan(ar[j], row[j]);
        } else {
          for (int64_t j = 0; j < n; ++j) ar[j] += row[j];
        }
      }
      for (size_t d = pr == 0 ? 0 : pr - 1; d-- > 0;) {
        y_off += plan.y_strides[d];
        if (++index[d] < plan.shape[d]) break;
        y_off -= plan.y_strides[d] * plan.shape[d];
        index[d] = 0;
      }
    }
  }
  const double div = op == ReduceOp::Mean ? static_cast<double>(group) : 1.0;
  for (int64_t i = 0; i < y_n; ++i)
    y[i] = static_cast<float>(op == ReduceOp::Mean ? acc[static_cast<size_t>(i)] / div
                                                   : acc[static_cast<size_t>(i)]);
}

}  // namespace nuri::kernels
