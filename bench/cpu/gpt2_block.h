// A bare GPT-2-small style block built with GraphBuilder, equivalent to the ONNX baseline's
// block (/work/shared/ort-baseline/gpt_block.py) at prefill with an empty cache:
//   x + proj(causal_attention(split(qkv(LN1(x))))), then + fc2(gelu_tanh(fc1(LN2(x)))).
// The ONNX model also returns `present` (the new K/V); this block does not.
#pragma once

#include <cstdint>

#include "compiler/ir/graph.h"

namespace nuri::bench {

struct BlockConfig {
  int64_t seq = 128, d_model = 768, heads = 12, mlp = 3072;
  uint64_t seed = 7;
};

// Input x f32[1, seq, d_model]; output y f32[1, seq, d_model]. Seeded N(0, 0.02) weights.
ir::Graph build_gpt2_block(const BlockConfig& c);

}  // namespace nuri::bench
