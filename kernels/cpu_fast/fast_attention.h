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
  // A KV cache in separate past and present buffers, copied as it is read (where
  // attention_copies_cache says the path can): keys/values [0, past_len) come from past_k /
  // past_v ([B, kv_heads, past_len, D], contiguous) and [past_len, kv_len) from k / v; every row
  // is also written to present_k / present_v ([B, kv_heads, kv_len, D]), so the past is read once
  // for both jobs. Null present_k: k / v hold every row and nothing is copied.
  const float* past_k = nullptr;
  const float* past_v = nullptr;
  float* present_k = nullptr;
  float* present_v = nullptr;
  int64_t past_len = 0;
  // Write the present's whole vectors with non-temporal stores (it is not read again before
  // the rest of the step's memory traffic evicts it); fenced before the task returns.
  bool stream_present = false;
};

// Work is split in tasks of (batch, head, block of query rows); run every task index in
// [0, attention_tasks(a)) in any order, on any threads.
int64_t attention_tasks(const AttentionArgs& a);
// Floats of per-thread scratch one task needs.
int64_t attention_scratch_floats(const AttentionArgs& a);
void attention_task(const AttentionArgs& a, int64_t task, float* scratch);
// Whether the kernel reads past_k / past_v and fills present_k / present_v for these dims (the
// direct path of a few query rows); elsewhere the caller appends the cache itself.
bool attention_copies_cache(const AttentionArgs& a);

}  // namespace nuri::cpu::fast
