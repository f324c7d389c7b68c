// Seeded weights for the built-in models, or shape-only placeholders for timing-only runs.
#pragma once

#include <algorithm>
#include <string>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "compiler/models/seeded_weights.h"

namespace nuri::ir {

class WeightMaker {
 public:
  WeightMaker(GraphBuilder& b, uint64_t seed, bool with_weights)
      : b_(b), keys_(seed), real_(with_weights) {}

  // Entries of mean 0 and variance stddev^2 (seeded_weights.h: uniform), or `fill` everywhere when
  // stddev is 0 (norm gains and biases). Each weight is its own counter-based stream, filled on
  // every hardware thread: the same numbers for a seed whatever the thread count.
  ValueId make(const std::string& name, Shape shape, double stddev, float fill = 0.0f) {
    if (!real_) return b_.constant_placeholder(name, DType::F32, std::move(shape));
    Tensor t(DType::F32, std::move(shape));
    const uint64_t key = keys_.next_u64();
    if (stddev > 0)
      fill_weights(t.data_as<float>(), t.numel(), key, stddev);
    else if (fill != 0.0f)
      std::fill_n(t.data_as<float>(), t.numel(), fill);
    return b_.constant(name, std::move(t));
  }

 private:
  GraphBuilder& b_;
  SeededRandom keys_;  // one stream key per weight, in the order the model makes them
  bool real_;
};

}  // namespace nuri::ir
