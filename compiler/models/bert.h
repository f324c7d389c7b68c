// Built-in BERT-style encoder (BERT-base shape by default: 12 layers, d 768, 12 heads, MLP 3072,
// seq 128; post-LayerNorm blocks, erf Gelu, non-causal fused attention), built with
// GraphBuilder from seeded random weights, or weight-less constants for timing-only simulation.
#pragma once

#include <cstdint>

#include "compiler/ir/graph.h"

namespace nuri::ir {

struct BertConfig {
  int64_t layers = 12;
  int64_t d_model = 768;
  int64_t heads = 12;
  int64_t mlp = 3072;
  int64_t vocab = 30522;
  int64_t seq = 128;
  int64_t max_pos = 512;
  uint64_t seed = 1;
  bool with_weights = true;  // false: shape-only constants for timing-only simulation
};

// Inputs: ids i64[1, seq]. Output: hidden states f32[1, seq, d_model].
Graph build_bert(const BertConfig& config);

}  // namespace nuri::ir
