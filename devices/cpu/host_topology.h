// The host's hwloc topology, loaded once per process (loading it costs a millisecond or more):
// the thread pool pins with it, host_peaks reads the machine's cores, memory and caches.
#pragma once

#include <hwloc.h>

namespace nuri::cpu {

// Null when hwloc cannot load the topology (callers then fall back to guesses).
hwloc_topology_t host_topology();

}  // namespace nuri::cpu
