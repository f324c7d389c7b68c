// Token generation with a built-in decoder (cpu or ref directly; other devices, such as a
// simulator in functional mode, through a session with cpu fallback): one prefill program (the
// prompt) and one decode program (one token), compiled once, over per-layer KV cache buffers
// allocated once for the whole length (prompt + new tokens) and bound as each layer's past input
// and present output, so every step appends its keys and values in place (Attention's kv_len).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/models/catalogue.h"
#include "tools/nuri/generate_command_sampling.h"

namespace nuri::cli {

struct GenerateOptions {
  std::string model = "gpt2-small";
  ir::ModelSizes sizes;  // layers, d_model, heads, vocab (seq and the cache are set here)
  uint64_t seed = 1;     // weights
  std::vector<int64_t> prompt;
  int64_t max_new = 32;
  Sampling sampling;
  std::string device = "cpu";  // "cpu", "ref", or another device through a session
  int threads = 1;
};

struct GenerateResult {
  std::vector<int64_t> tokens;  // the generated ones, after the prompt
  double prefill_s = 0, decode_s = 0;
  int64_t decode_steps = 0;
  size_t cache_bytes = 0;
  double simulated_prefill_s = 0, simulated_decode_s = 0;  // simulator partitions only
};

// Throws nuri::Error naming the problem (unknown model or device, empty prompt, a prompt id
// outside the vocabulary, max_new < 1, bad sizes).
GenerateResult generate(const GenerateOptions& options);

}  // namespace nuri::cli
