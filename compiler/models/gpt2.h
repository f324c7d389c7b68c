// Built-in GPT-2-style decoder (pre-LayerNorm blocks, fused causal attention, tanh Gelu, tied
// embeddings), built with GraphBuilder from seeded random weights. `nuri run` with no model
// runs it; tests and benchmarks use it as a known workload.
#pragma once

#include <cstdint>

#include "compiler/ir/graph.h"

namespace nuri::ir {

struct Gpt2Config {
  int64_t layers = 2;
  int64_t d_model = 128;
  int64_t heads = 4;
  int64_t vocab = 512;
  int64_t seq = 32;
  int64_t mlp = 0;      // 0 = 4 * d_model
  int64_t max_pos = 0;  // 0 = past + seq
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
// present_value.l f32[1, heads, past + seq, d_model / heads]; with past > 0 too (a decode step at
// positions past..past+seq-1) the inputs after ids take past_key.l, past_value.l [1, heads,
// past, d_model / heads].
Graph build_gpt2(const Gpt2Config& config);

}  // namespace nuri::ir

namespace nuri::ir {
// Seeded token ids i64[batch, seq] in [0, vocab) for the demo model's input; one stream, so row 0
// is the batch-1 ids.
Tensor gpt2_demo_ids(const Gpt2Config& config);
}  // namespace nuri::ir
