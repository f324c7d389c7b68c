// Fused scaled-dot-product attention over strided q/k/v/out views, f32. The innermost (head)
// dimension is contiguous; batch, head and position strides are free, so a caller can read
// q/k/v straight out of a packed qkv projection and write the output in [B, S, H, Dv] order.
#pragma once

#include <cstdint>

namespace nuri::cpu::fast {

// Element strides of a 4-D [batch, heads, positions, dim] view whose dim stride is 1.
struct View4 {
  int64_t batch = 0, head = 0, pos = 0;
};

struct AttentionArgs {
  int64_t batch = 1, q_heads = 1, kv_heads = 1;  // kv_heads divides q_heads
  int64_t q_len = 1, kv_len = 1;                 // queries are the last q_len positions
  int64_t head_dim = 1, v_head_dim = 1;
  bool causal = false;
  float scale = 1.0f;
  const float* q = nullptr;
  View4 q_stride;
  const float* k = nullptr;
  View4 k_stride;
  const float* v = nullptr;
  View4 v_stride;
  float* out = nullptr;
  View4 out_stride;
};

// Work is split in tasks of (batch, head, block of query rows); run every task index in
// [0, attention_tasks(a)) in any order, on any threads.
int64_t attention_tasks(const AttentionArgs& a);
// Floats of per-thread scratch one task needs.
int64_t attention_scratch_floats(const AttentionArgs& a);
void attention_task(const AttentionArgs& a, int64_t task, float* scratch);

}  // namespace nuri::cpu::fast
