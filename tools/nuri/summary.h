// What `nuri run` prints about its outputs: argmax token ids and checksums that make runs
// comparable across devices, thread counts and repeats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nuri/tensor.hpp"

namespace nuri::cli {

// Argmax over the last dimension, for every leading index (f32 tensors).
std::vector<int64_t> argmax_last(const Tensor& t);

struct Checksum {
  double sum = 0;      // sum of the values (in double)
  double abs_sum = 0;  // sum of magnitudes
  uint64_t fnv1a = 0;  // FNV-1a of the raw bytes: equal only for bitwise-equal outputs
};
Checksum checksum(const Tensor& t);
std::string format_checksum(const Checksum& c);

}  // namespace nuri::cli
