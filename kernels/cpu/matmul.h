// Matrix products, f32 with f32 accumulation.
#pragma once

#include <cstdint>

#include "kernels/cpu/broadcast.h"

namespace nuri::kernels {

// Numpy matmul semantics: rank-1 operands are promoted (and the added dim removed from
// out_shape), leading batch dims broadcast. out_shape is the inferred result shape.
void matmul(const float* a, Dims a_shape, const float* b, Dims b_shape, float* out,
            Dims out_shape);

// Plain row-major C[M,N] = A[M,K] * B[K,N] (the inner loop every matmul reduces to).
void gemm_rowmajor(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k);

// ONNX Gemm: Y[M,N] = alpha * op(A) * op(B) + beta * C, op = optional transpose. A is stored
// [M,K] (or [K,M] when trans_a), B [K,N] (or [N,K] when trans_b). C (nullable) broadcasts to
// [M,N] with c_shape of rank 0..2.
void gemm(const float* a, const float* b, const float* c, Dims c_shape, float* y, int64_t m,
          int64_t n, int64_t k, bool trans_a, bool trans_b, float alpha, float beta);

}  // namespace nuri::kernels
