// Choosing the next token from a row of logits: greedy (argmax, the lowest id on ties), top-k
// or top-p (nucleus) sampling at temperature 1 from a seeded, platform-independent source.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "compiler/models/seeded_random.h"

namespace nuri::cli {

enum class SamplingKind { Greedy, TopK, TopP };

struct Sampling {
  SamplingKind kind = SamplingKind::Greedy;
  int64_t top_k = 40;  // TopK: sample among the k largest logits
  double top_p = 0.9;  // TopP: among the fewest tokens whose probability reaches p
  uint64_t seed = 1;
};

// "greedy", "top-k", "top-p"; throws nuri::Error naming the flag otherwise.
SamplingKind parse_sampling(const std::string& name);

class Sampler {
 public:
  explicit Sampler(const Sampling& s) : s_(s), rng_(s.seed ^ 0x5a3c9e1full) {}
  int64_t next(std::span<const float> logits);

 private:
  Sampling s_;
  ir::SeededRandom rng_;
};

}  // namespace nuri::cli
