// Rotary position embedding (RoPE) on x [B, H, S, D].
#pragma once

#include <cstdint>

namespace nuri::kernels {

struct RotaryDims {
  int64_t batch = 1, heads = 1, seq = 1, head_dim = 2;
  int64_t rotary_dim = 0;    // leading dims of each head that rotate (even, <= head_dim); 0 = all
  bool interleaved = false;  // pairs (2i, 2i+1) instead of halves (i, i + rotary_dim/2)
};

// With position_ids ([B, S], int64): cos/sin are [max_pos, rotary_dim/2], row = position.
// Without: cos/sin are [B or 1, S, rotary_dim/2] and cos_batch_stride is S*rotary_dim/2 or 0.
// Returns false if a position id is outside [0, max_pos).
// Non-interleaved: y1 = x1 cos - x2 sin, y2 = x2 cos + x1 sin for halves x1, x2.
bool rotary_embedding(const RotaryDims& dims, const float* x, const float* cos, const float* sin,
                      const int64_t* position_ids, int64_t max_pos, int64_t cos_batch_stride,
                      float* y);

}  // namespace nuri::kernels
