// Where the NPU codegen's activations live: constants (and anything else written at compile
// time) first, bump allocated; then one arena whose offsets the compiler's memory planner
// (compiler/memory) chose from the lifetimes a layout pass recorded, so activations whose
// lifetimes do not overlap share bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nuri::npu {

// One allocation of a layout pass: live from node step `first` to `last` inclusive.
struct BufferUse {
  uint64_t bytes = 0;
  bool constant = false;  // written at compile time: never shares bytes
  int64_t first = 0, last = 0;
};

struct ActivationLayout {
  uint64_t constant_bytes = 0;
  std::vector<size_t> offsets;  // per activation allocation, in allocation order
  uint64_t peak_bytes = 0;
};

ActivationLayout plan_activations(const std::vector<BufferUse>& buffers, uint64_t alignment);

}  // namespace nuri::npu
