// The declared cost model for partitions on devices that are not simulators (cpu, ref, GPUs
// through OpenCL/Vulkan): a roofline over the device's declared peaks. A node takes
// max(flops / peak compute, compulsory bytes / peak bandwidth), its work from the same
// op-work function `nuri inspect` and `nuri bench` use (compiler/ir/op_work.h). Measured wall
// times never enter the simulated timeline, so it stays reproducible.
#pragma once

#include <string>

#include "compiler/ir/graph.h"
#include "nuri/device.h"

namespace nuri::rt {

struct HostModel {
  double peak_flops_per_s = 0;
  double bandwidth_bytes_per_s = 0;
  std::string source;  // "declared by <device>" or the stated fallback

  double node_ns(const ir::Graph& g, const ir::Node& n) const;
};

// Where a device declares no peak (ref and opencl declare none), the fallbacks below stand in:
// 100 GFLOP/s and 20 GB/s, a modest host core's figures.
inline constexpr double kFallbackHostFlopsPerS = 100e9;
inline constexpr double kFallbackHostBytesPerS = 20e9;

// The f32 peak (else the largest declared) and the declared bandwidth of `props`.
HostModel host_model_for(const nuri_device_properties& props);

}  // namespace nuri::rt
