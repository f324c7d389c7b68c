// What the host offers the cpu kernels: its cache sizes (hwloc) and the memory bandwidth a
// STREAM-style triad achieves, the ceiling that memory-bound cpu ops are measured against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nuri::cli {

struct CacheLevel {
  int level = 0;        // 1, 2, 3
  std::string type;     // "Data", "Instruction", "Unified" (Google Benchmark's words)
  uint64_t bytes = 0;   // per cache instance
  int num_sharing = 0;  // logical cpus sharing one instance
};

// Data and unified caches, innermost first; empty when hwloc cannot read the topology.
std::vector<CacheLevel> host_caches();
// The innermost level `bytes` fits in ("L1", "L2", "L3") or "DRAM".
std::string fits_in(const std::vector<CacheLevel>& caches, double bytes);

struct StreamResult {
  double bytes_per_s = 0;  // best of the repetitions, STREAM's convention (3 arrays, no
                           // write-allocate traffic counted)
  uint64_t array_bytes = 0;
  int threads = 1;
};
// Triad a[i] = b[i] + s * c[i] on three arrays of `array_bytes` each (larger than the caches).
StreamResult measure_stream_triad(uint64_t array_bytes, int threads, int repetitions);

}  // namespace nuri::cli
