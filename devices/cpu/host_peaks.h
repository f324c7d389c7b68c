// What the host cpu can do, measured once per process: the device declares these as its peaks,
// so the cost policy's roofline and `nuri bench`'s percentages rest on this machine's figures
// rather than nominal constants.
#pragma once

#include <cstdint>

namespace nuri::cpu {

struct HostPeaks {
  uint64_t memory_bytes = 0;         // hwloc
  int cores = 1;                     // physical cores (hwloc)
  uint64_t llc_bytes = 0;            // one last-level cache instance (hwloc); 0 if unknown
  double f32_flops_per_s = 0;        // measured FMA rate of one core x cores
  double bandwidth_bytes_per_s = 0;  // measured streaming copy from DRAM, all cores
};

// Topology from hwloc, flops and bandwidth measured (once, on first use).
const HostPeaks& host_peaks();

// A copy of `bytes_per_thread` (read plus written) on each of `threads` threads, from a source
// only DRAM holds to DRAM with non-temporal stores: bytes moved per second, best of `trials`.
double measure_copy_bandwidth(int threads, uint64_t bytes_per_thread, int trials);

}  // namespace nuri::cpu
