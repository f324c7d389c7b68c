// Matrix products, f32 with f32 accumulation.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/broadcast.h"

namespace nuri::kernels {

// Numpy matmul semantics: rank-1 operands are promoted (and the added dim removed from
// out_shape), leading batch dims broadcast. out_shape is the inferred result shape.
void matmul(const float* a, Dims a_shape, const float* b, Dims b_shape, float* out, Dims out_shape);

// Numpy matmul shapes resolved: rank-1 promotion, broadcast batch dims (checked against the
// inferred out_shape); each operand's batch strides count whole matrices.
struct MatmulShape {
  int64_t m = 0, n = 0, k = 0;
  std::vector<int64_t> batch, a_strides, b_strides;
  int64_t batch_count = 1, a_count = 1, b_count = 1;  // matrices in out, a, b
};
// Throws nuri::Error naming `op` when the shapes do not fit.
MatmulShape resolve_matmul_shape(Dims a_shape, Dims b_shape, Dims out_shape, const char* op);

// Calls f(t, a_matrix, b_matrix) for each output matrix t, in row-major batch order.
template <typename F>
void for_each_matmul_batch(const MatmulShape& s, F&& f) {
  const size_t rank = s.batch.size();
  std::vector<int64_t> index(rank, 0);
  int64_t a_off = 0, b_off = 0;
  for (int64_t t = 0; t < s.batch_count; ++t) {
    f(t, a_off, b_off);
    for (size_t d = rank; d-- > 0;) {
      a_off += s.a_strides[d];
      b_off += s.b_strides[d];
      if (++index[d] < s.batch[d]) break;
      a_off -= s.a_strides[d] * s.batch[d];
      b_off -= s.b_strides[d] * s.batch[d];
      index[d] = 0;
    }
  }
}

// Plain row-major C[M,N] = A[M,K] * B[K,N] (the inner loop every matmul reduces to).
void gemm_rowmajor(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k);

// ONNX Gemm: Y[M,N] = alpha * op(A) * op(B) + beta * C, op = optional transpose. A is stored
// [M,K] (or [K,M] when trans_a), B [K,N] (or [N,K] when trans_b). C (nullable) broadcasts to
// [M,N] with c_shape of rank 0..2.
void gemm(const float* a, const float* b, const float* c, Dims c_shape, float* y, int64_t m,
          int64_t n, int64_t k, bool trans_a, bool trans_b, float alpha, float beta);

}  // namespace nuri::kernels
