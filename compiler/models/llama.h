// Built-in Llama-style decoder (Llama-2-7B shape by default: 32 layers, d 4096, 32 heads, SiLU-
// gated MLP 11008, RMSNorm pre-norm, rotary position embedding (rotate-half), causal fused
// attention, optional grouped-query attention via kv_heads), built with GraphBuilder from
// seeded random weights, or weight-less constants for timing-only simulation.
#pragma once

#include <cstdint>

#include "compiler/ir/graph.h"

namespace nuri::ir {

struct LlamaConfig {
  int64_t layers = 32;
  int64_t d_model = 4096;
  int64_t heads = 32;
  int64_t kv_heads = 0;  // 0 = heads (multi-head); fewer = grouped-query attention
  int64_t mlp = 11008;
  int64_t vocab = 32000;
  int64_t seq = 128;
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;
  uint64_t seed = 1;
  bool with_weights = true;  // false: shape-only constants for timing-only simulation
  // With a KV cache the graph also outputs each layer's keys and values (present_*); past > 0
  // makes it a decode step over a cache of that many positions (past_* inputs).
  bool kv_cache = false;
  int64_t past = 0;
  // > 0: the cache is updated in place (generation): inputs ids, positions i64[1, seq] (each
  // token's position), kv_len i64[1] (valid cache entries), then past_key.l / past_value.l with
  // this many positions; present_key.l / present_value.l have the same shape.
  int64_t capacity = 0;
  // Sequences at once: the leading dimension of ids, positions, logits and the KV cache.
  int64_t batch = 1;
};

// Inputs: ids i64[batch, seq]. Output: logits f32[batch, seq, vocab] (the 1s below are batch).
// With kv_cache the outputs after the logits give, per layer l, present_key.l and
// present_value.l f32[1, kv_heads, past + seq, d_model / heads]; with past > 0 too (a decode
// step, rotary at positions past..past+seq-1) the inputs after ids take past_key.l, past_value.l
// [1, kv_heads, past, d_model / heads].
Graph build_llama(const LlamaConfig& config);

}  // namespace nuri::ir
