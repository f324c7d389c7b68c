// What the host offers the cpu kernels: its cache sizes (hwloc) and the memory bandwidth
// STREAM-style copy and triad loops achieve, the ceiling memory-bound cpu ops are measured
// against.
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
  double bytes_per_s = 0;  // triad, best of the repetitions, STREAM's convention (3 arrays, no
                           // write-allocate traffic counted)
  uint64_t array_bytes = 0;
  int threads = 1;
  // Copy b[i] = a[i] (2 arrays counted), best of the repetitions: one stream read and one
  // written, as Softmax, LayerNorm and Gelu do, so the ceiling those are measured against.
  double copy_bytes_per_s = 0;
  // The ceiling for one-read-one-write ops: copy when measured, else triad.
  double ceiling() const { return copy_bytes_per_s > 0 ? copy_bytes_per_s : bytes_per_s; }
};
// Copy and triad a[i] = b[i] + s * c[i], interleaved, on arrays of `array_bytes` each (larger
// than the caches). Copy is the C library's memcpy per thread slice, as STREAM's copy loop
// compiles to.
StreamResult measure_stream(uint64_t array_bytes, int threads, int repetitions);

}  // namespace nuri::cli
