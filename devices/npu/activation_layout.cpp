#include "devices/npu/activation_layout.h"

#include "compiler/memory/memory_plan.h"

namespace nuri::npu {

ActivationLayout plan_activations(const std::vector<BufferUse>& buffers, uint64_t alignment) {
  const auto align_up = [&](uint64_t x) { return (x + alignment - 1) / alignment * alignment; };
  std::vector<ir::BufferLifetime> lifetimes;
  ActivationLayout l;
  for (const BufferUse& b : buffers)
    if (b.constant)
      l.constant_bytes += align_up(b.bytes);
    else
      lifetimes.push_back({b.bytes, b.first, b.last});
  const ir::ArenaPlan plan = ir::plan_arena(lifetimes, alignment);
  l.offsets = plan.offsets;
  l.peak_bytes = align_up(plan.peak_bytes);
  return l;
}

}  // namespace nuri::npu
