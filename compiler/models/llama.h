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
};

// Inputs: ids i64[1, seq]. Output: logits f32[1, seq, vocab].
Graph build_llama(const LlamaConfig& config);

}  // namespace nuri::ir
