#include "devices/cpu/host_topology.h"

namespace nuri::cpu {

hwloc_topology_t host_topology() {
  static const hwloc_topology_t topo = [] {
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) return static_cast<hwloc_topology_t>(nullptr);
    // Linux's sysfs gives cores, caches and memory; without this flag hwloc's x86 backend also
    // binds the caller to every CPU in turn to read CPUID there, which doubles the load time.
    hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_DONT_CHANGE_BINDING);
    if (hwloc_topology_load(t) != 0) {
      hwloc_topology_destroy(t);
      return static_cast<hwloc_topology_t>(nullptr);
    }
    return t;
  }();
  return topo;
}

}  // namespace nuri::cpu
