// Reductions over a set of axes.
#pragma once

#include <cstdint>

#include "kernels/cpu/broadcast.h"

namespace nuri::kernels {

enum class ReduceOp { Sum, Mean, Max };

// `axes` are distinct and in [0, rank). y has the shape of x with the reduced axes removed
// (keepdims only changes the shape, not the layout). Sum accumulates in double.
void reduce(ReduceOp op, const float* x, Dims x_shape, Dims axes, float* y);

}  // namespace nuri::kernels
