// The arithmetic of the PIM units for GEMV, bit for bit as modelled (see README "Numerics"):
// inputs rounded to the input dtype; each product (exact in f32 for f16/bf16 inputs) rounded
// to the accumulate dtype; per-lane (or, with lane_reduce, adder-tree) accumulation in the
// accumulate dtype; each readout rounded to the result dtype; the host sums readouts in f32.
#pragma once

#include <cstdint>

#include "simulator/pim/pim_config.h"

namespace nuri::sim::pim {

// y[M] = W[M x K] (row-major) * x[K]. split_cols > 0: the reduction is split into chunks of
// that many columns on different units (a multiple of vector_elems), each chunk's partials read
// out separately and summed by the host in f32 (0: no split).
void pim_gemv_numerics(const PimConfig& cfg, const float* w, const float* x, int64_t rows,
                       int64_t cols, float* y, int64_t split_cols = 0);

float round_to(NumType t, float v);

enum class EltwiseOp { kAdd, kMul };
const char* eltwise_op_name(EltwiseOp op);

// y[i] = a[i] op b[i] in the units: inputs rounded to the input dtype, the result rounded to the
// accumulate dtype (the SIMD lanes' arithmetic) and stored back in the input dtype.
void pim_eltwise_numerics(const PimConfig& cfg, EltwiseOp op, const float* a, const float* b,
                          int64_t n, float* y);

}  // namespace nuri::sim::pim
