// Elementwise kernels with numpy broadcasting. Shapes are valid (the IR verifies them);
// out_shape is the broadcast of the input shapes.
#pragma once

#include <cstdint>

#include "kernels/cpu/broadcast.h"

namespace nuri::kernels {

enum class BinaryOp { Add, Sub, Mul, Div, Pow };

// T is float, int32_t or int64_t. Integer Div truncates toward zero (as ONNX); integer
// division by zero is the caller's to prevent (the executor checks and throws).
template <typename T>
void binary(BinaryOp op, const T* a, Dims a_shape, const T* b, Dims b_shape, T* out,
            Dims out_shape);

// out[i] = a[i] == b[i] as 0/1 bytes. T is float, int32_t or int64_t, uint8_t (bool).
template <typename T>
void equal(const T* a, Dims a_shape, const T* b, Dims b_shape, uint8_t* out, Dims out_shape);

// out = cond ? x : y, elements of `elem_size` bytes (any dtype).
void where(const uint8_t* cond, Dims cond_shape, const void* x, Dims x_shape, const void* y,
           Dims y_shape, void* out, Dims out_shape, size_t elem_size);

enum class UnaryOp {
  Sqrt,
  Exp,
  Erf,
  Tanh,
  Neg,
  Reciprocal,
  Relu,
  GeluErf,   // 0.5 x (1 + erf(x / sqrt 2))
  GeluTanh,  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  Silu,      // x * sigmoid(x)
  Sigmoid,
};

void unary(UnaryOp op, const float* x, float* y, int64_t n);
// Neg on integers.
template <typename T>
void negate(const T* x, T* y, int64_t n);

}  // namespace nuri::kernels
