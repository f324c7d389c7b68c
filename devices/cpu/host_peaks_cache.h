// The cache file of the host's measured peaks (host_peaks.h): one JSON object holding the key it
// was measured under (CPU model, cores, hardware threads, NUMA nodes, memory and last-level
// cache bytes) and the two figures. A file that is missing, unreadable, corrupt, written for
// another key (another machine sharing the home folder, a resized VM) or holding implausible
// figures is ignored: the figures are measured again and the file rewritten.
#pragma once

#include <string>

#include "devices/cpu/host_peaks.h"

namespace nuri::cpu {

struct PeaksCacheOptions {
  bool enabled = true;
  // Empty: $NURI_CPU_CACHE, else $XDG_CACHE_HOME/nuri/cpu, else ~/.cache/nuri/cpu.
  std::string dir;
};

// The cache file's path; empty when the cache is off or no folder is known.
std::string peaks_cache_path(const PeaksCacheOptions& options);

// The key for this topology: what the measured figures depend on.
std::string peaks_cache_key(const HostPeaks& topology);

// Sets the figures and `measured` from the file when it holds plausible ones for `key`.
bool read_cached_peaks(const std::string& path, const std::string& key, HostPeaks& into);

// Writes the figures under `key` (to a temporary name, then renamed: a concurrent reader never
// sees half a file). A folder or file that cannot be written is left alone.
void write_cached_peaks(const std::string& path, const std::string& key, const HostPeaks& peaks);

// Topology, then the figures from the cache, or measured now (and written to the cache).
HostPeaks load_or_measure_host_peaks(const PeaksCacheOptions& options);

}  // namespace nuri::cpu
