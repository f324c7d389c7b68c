// The vulkan device's stated peaks, for `nuri bench`'s percent of peak and the roofline. Core
// Vulkan reports neither compute units nor clocks, so both are measured, once per driver and
// device in a process: f32 by peak.comp (independent FMA chains in registers, timed by GPU
// timestamps, best of six after a warm-up that includes lavapipe's JIT), bandwidth by a
// 32 MiB vkCmdCopyBuffer (bytes read plus written over the submit-and-wait, best of three).
// On a CPU driver both are timed by this process's CPU time (see peaks.cpp).
#pragma once

#include <memory>

#include "kernels/vulkan/context.h"

namespace nuri::kernels::vk {

struct Peaks {
  double f32_flops_per_s = 0;
  double bytes_per_s = 0;
};

Peaks measured_peaks(const std::shared_ptr<Context>& context);

}  // namespace nuri::kernels::vk
