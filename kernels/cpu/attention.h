// Fused scaled-dot-product attention, f32, multi-head and grouped-query.
#pragma once

#include <cstdint>

namespace nuri::kernels {

struct AttentionDims {
  int64_t batch = 1;
  int64_t q_heads = 1;
  int64_t kv_heads = 1;   // divides q_heads; q head h reads kv head h / (q_heads / kv_heads)
  int64_t q_len = 1;      // S: new query positions
  int64_t kv_len = 1;     // T: all key positions (cached + new)
  int64_t head_dim = 1;   // D of q and k
  int64_t v_head_dim = 1; // Dv of v and the output
  // Query i sits at absolute position kv_len - q_len + i (the queries are the last S positions);
  // with causal it may see keys j <= that position.
  bool causal = false;
  float scale = 1.0f;  // usually 1/sqrt(head_dim)
};

// Mask broadcast to [batch, q_heads, q_len, kv_len] via element strides (0 = broadcast).
// Exactly one of additive/allowed may be non-null, or neither.
struct AttentionMask {
  const float* additive = nullptr;  // added to the scores (0 or -inf style)
  const uint8_t* allowed = nullptr; // bool: 1 = may attend
  int64_t strides[4] = {0, 0, 0, 0};
};

// q [B, Hq, S, D], k [B, Hkv, T, D], v [B, Hkv, T, Dv], out [B, Hq, S, Dv].
// A row whose every key is masked out yields zeros (not NaN).
void attention(const AttentionDims& dims, const float* q, const float* k, const float* v,
               const AttentionMask& mask, float* out);

}  // namespace nuri::kernels
