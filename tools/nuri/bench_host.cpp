#include "tools/nuri/bench_host.h"

#include <hwloc.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace nuri::cli {

std::vector<CacheLevel> host_caches() {
  std::vector<CacheLevel> caches;
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return caches;
  if (hwloc_topology_load(topo) == 0) {
    const hwloc_obj_type_t types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                      HWLOC_OBJ_L4CACHE};
    for (hwloc_obj_type_t type : types) {
      hwloc_obj_t obj = hwloc_get_next_obj_by_type(topo, type, nullptr);
      if (!obj || !obj->attr) continue;
      const auto& a = obj->attr->cache;
      if (a.type == HWLOC_OBJ_CACHE_INSTRUCTION) continue;
      caches.push_back({static_cast<int>(a.depth),
                        a.type == HWLOC_OBJ_CACHE_DATA ? "Data" : "Unified", a.size,
                        std::max(1, hwloc_bitmap_weight(obj->cpuset))});
    }
  }
  hwloc_topology_destroy(topo);
  return caches;
}

std::string fits_in(const std::vector<CacheLevel>& caches, double bytes) {
  for (const CacheLevel& c : caches)
    if (bytes <= static_cast<double>(c.bytes)) return "L" + std::to_string(c.level);
  return "DRAM";
}

StreamResult measure_stream(uint64_t array_bytes, int threads, int repetitions) {
  threads = std::max(1, threads);
  const size_t n = std::max<uint64_t>(array_bytes / sizeof(double), 1024);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const double scalar = 3.0;
  // Each thread owns one contiguous slice (and first touched it above on the main thread;
  // on one socket placement does not matter).
  const auto triad = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) a[i] = b[i] + scalar * c[i];
  };
  const auto copy = [&](size_t lo, size_t hi) {
    std::memcpy(c.data() + lo, a.data() + lo, (hi - lo) * sizeof(double));
  };
  // Seconds for one pass of `kernel` over all slices.
  const auto timed = [&](const auto& kernel) {
    const auto t0 = std::chrono::steady_clock::now();
    if (threads == 1) {
      kernel(0, n);
    } else {
      std::vector<std::thread> team;
      for (int t = 0; t < threads; ++t)
        team.emplace_back(kernel, n * t / threads, n * (t + 1) / threads);
      for (std::thread& th : team) th.join();
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  double best_triad = 0, best_copy = 0;
  for (int rep = 0; rep < std::max(1, repetitions); ++rep) {
    const double st = timed(triad), sc = timed(copy);
    if (rep == 0 || st < best_triad) best_triad = st;
    if (rep == 0 || sc < best_copy) best_copy = sc;
  }
  // Keep the result observable so the loops are not optimized away.
  volatile double sink = c[n / 2];
  (void)sink;
  const double bytes = static_cast<double>(n * sizeof(double));
  StreamResult r{3.0 * bytes / best_triad, n * sizeof(double), threads};
  r.copy_bytes_per_s = 2.0 * bytes / best_copy;
  return r;
}

}  // namespace nuri::cli
