// The catalogue of built-in models: the demo GPT-2-style model and the published shapes of
// GPT-2 small, BERT-base and Llama-2-7B. Size overrides apply to every family; a size that
// makes no sense (not positive, heads not dividing d_model, an odd rotary head dim) is refused
// with an error naming the flag (--layers, --d-model, --heads, --vocab, --seq, --past, --batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "nuri/tensor.hpp"

namespace nuri::ir {

// Unset fields keep the family's own dims.
struct ModelSizes {
  std::optional<int64_t> layers = std::nullopt;
  std::optional<int64_t> d_model = std::nullopt;
  std::optional<int64_t> heads = std::nullopt;
  std::optional<int64_t> vocab = std::nullopt;
  std::optional<int64_t> seq = std::nullopt;
  // Set: the graph keeps a KV cache (not bert-base). Outputs logits then per layer
  // present_key.l, present_value.l [1, kv_heads, past + seq, head_dim]. past 0 is the prefill;
  // past > 0 the decode step at positions past..past+seq-1, with inputs ids [1, seq] then per
  // layer past_key.l, past_value.l [1, kv_heads, past, head_dim].
  std::optional<int64_t> past = std::nullopt;
  // Set: the KV cache is updated in place (generation), holding this many positions: inputs
  // ids, positions i64[1, seq], kv_len i64[1], then per layer past_key.l, past_value.l
  // [1, kv_heads, kv_capacity, head_dim]; the presents have that shape too (bind them to the
  // pasts' memory). Not with past.
  std::optional<int64_t> kv_capacity = std::nullopt;
  // Sequences run at once (not bert-base): every input, output and cache above gets this
  // leading dimension instead of 1 (ids [batch, seq], past_key.l [batch, kv_heads, past, dim]).
  std::optional<int64_t> batch = std::nullopt;
};

struct BuiltinModel {
  Graph graph;
  int64_t seq = 0, vocab = 0, layers = 0, d_model = 0, heads = 0, batch = 1;
  bool kv_cache = false;           // present_* outputs (and past_* inputs when past > 0)
  int64_t past = 0, kv_heads = 0;  // KV cache length (0: prefill) and its heads per layer
  int64_t kv_capacity = 0;         // > 0: the cache is updated in place
  bool has_logits = true;          // false for BERT (hidden states out)
  Tensor ids;                      // seeded input ids i64[batch, seq] in [0, vocab)
};

// "demo", "gpt2-small", "bert-base", "llama2-7b".
const std::vector<std::string>& builtin_model_names();

// Throws nuri::Error for an unknown name (listing the known ones) or a bad size. Without
// weights the constants are shape-only (for timing-only simulation).
BuiltinModel build_builtin_model(const std::string& name, const ModelSizes& sizes, uint64_t seed,
                                 bool with_weights = true);

}  // namespace nuri::ir
