// GEMM plans an npu device's executables share. plan_gemm is a pure function of the config and
// the whole spec (it simulates its nominees at the spec's own addresses), so the plan found for
// one partition serves any later one with the very same spec, and each is what a fresh search
// would give. Partitions of identical layers lay their weights and activations out alike, so a
// model split into hundreds of partitions (Llama-2-7B on pim,npu) searches each shape once.
#pragma once

#include <map>
#include <mutex>
#include <tuple>

#include "devices/npu/tiling/gemm_tiler.h"

namespace nuri::npu {

class SharedGemmPlans {
 public:
  // Safe to call from several threads (sessions compiling on one device).
  GemmPlan get(const sim::NpuConfig& cfg, const GemmSpec& s);

 private:
  using Key = std::tuple<uint32_t, uint32_t, uint32_t, int, int, uint64_t, uint64_t, uint64_t,
                         uint64_t, uint64_t, uint64_t, bool, bool, uint64_t, int>;
  std::mutex mu_;
  std::map<Key, GemmPlan> plans_;
};

}  // namespace nuri::npu
