// Seeded weights for the built-in models, or shape-only placeholders for timing-only runs.
#pragma once

#include <string>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"

namespace nuri::ir {

class WeightMaker {
 public:
  WeightMaker(GraphBuilder& b, uint64_t seed, bool with_weights)
      : b_(b), rng_(seed), real_(with_weights) {}

  // N(0, stddev^2) entries, or `fill` everywhere when stddev is 0 (norm gains and biases).
  ValueId make(const std::string& name, Shape shape, double stddev, float fill = 0.0f) {
    if (!real_) return b_.constant_placeholder(name, DType::F32, std::move(shape));
    Tensor t(DType::F32, std::move(shape));
    float* p = t.data_as<float>();
    for (int64_t i = 0; i < t.numel(); ++i)
      p[i] = stddev > 0 ? static_cast<float>(rng_.normal() * stddev) : fill;
    return b_.constant(name, std::move(t));
  }

 private:
  GraphBuilder& b_;
  SeededRandom rng_;
  bool real_;
};

}  // namespace nuri::ir
