// ONNX MatMulInteger / QLinearMatMul on 8-bit operands (int8 or uint8 on either side), with
// int32 accumulation.
#pragma once

#include <cstdint>

#include "kernels/cpu/broadcast.h"

namespace nuri::kernels {

// One 8-bit operand: its data, whether it is uint8 (else int8), and its zero point (same
// type as the data; nullable = 0) with 1 entry (per tensor) or one per row of A / column of B.
struct QuantOperand {
  const void* data = nullptr;
  bool is_unsigned = false;
  const void* zero_point = nullptr;
  int64_t zero_point_count = 1;
};

// out = (A - a_zp) @ (B - b_zp) in int32, numpy matmul shapes (rank-1 promotion, broadcast
// batch dims; out_shape is the inferred result shape). Sums wrap modulo 2^32 like the int32
// accumulator ONNX specifies (no overflow for K < 33026).
void matmul_integer(const QuantOperand& a, Dims a_shape, const QuantOperand& b, Dims b_shape,
                    int32_t* out, Dims out_shape);

// QLinearMatMul's output stage over acc viewed as [batch, m, n]:
// y = saturate(round_half_even(acc * (a_scale[row] * b_scale[col] / y_scale)) + y_zero_point),
// a_scale with 1 or m entries, b_scale with 1 or n. y is uint8 when y_unsigned, else int8.
struct Requantize {
  const float* a_scale = nullptr;
  int64_t a_count = 1;
  const float* b_scale = nullptr;
  int64_t b_count = 1;
  float y_scale = 1.0f;
  int32_t y_zero_point = 0;
  bool y_unsigned = false;
};
void requantize(const int32_t* acc, int64_t batch, int64_t m, int64_t n, const Requantize& q,
                void* y);

}  // namespace nuri::kernels
