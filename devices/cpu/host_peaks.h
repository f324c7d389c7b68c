// What the host cpu can do: the device declares these as its peaks, so the cost policy's
// roofline and `nuri bench`'s percentages rest on this machine's figures rather than nominal
// constants. Topology comes from hwloc; the f32 FMA rate and the DRAM copy bandwidth are
// measured, once per machine: the figures are kept in a small cache file keyed by the CPU model,
// cores and memory (host_peaks_cache.h), so a process does not spend milliseconds (and 8 MiB of
// buffers) measuring them again every time it starts.
#pragma once

#include <cstdint>
#include <string>

namespace nuri::cpu {

struct HostPeaks {
  uint64_t memory_bytes = 0;         // hwloc
  int cores = 1;                     // physical cores (hwloc)
  int logical_cpus = 1;              // hardware threads (hwloc)
  int numa_nodes = 1;                // hwloc
  uint64_t llc_bytes = 0;            // one last-level cache instance (hwloc); 0 if unknown
  std::string cpu_model;             // hwloc's CPUModel; empty if unknown
  double f32_flops_per_s = 0;        // measured FMA rate of one core x cores
  double bandwidth_bytes_per_s = 0;  // measured streaming copy from DRAM, all cores
  // Where the two measured figures come from: "measured now", or "measured <UTC time>, cached
  // in <file>".
  std::string measured;
};

// The machine's topology from hwloc (the measured figures left 0).
HostPeaks host_topology_facts();

// Measures the FMA rate and the copy bandwidth into `p` (its cores set), now.
void measure_host_peaks(HostPeaks& p);

// Once per process: topology, and figures from the cache file or measured (and then cached).
const HostPeaks& host_peaks();
// Once per process: topology and figures measured now, the cache neither read nor written (the
// cpu device's `peaks_cache=0`).
const HostPeaks& measured_host_peaks();

// A copy of `bytes_per_thread` (read plus written) on each of `threads` threads, from a source
// only DRAM holds to DRAM with non-temporal stores: bytes moved per second, best of `trials`.
double measure_copy_bandwidth(int threads, uint64_t bytes_per_thread, int trials);

}  // namespace nuri::cpu
