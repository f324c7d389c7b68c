#include "devices/cpu/host_peaks.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "devices/cpu/host_peaks_cache.h"
#include "devices/cpu/host_topology.h"
#include "kernels/cpu_fast/fast_ops.h"

namespace nuri::cpu {

HostPeaks host_topology_facts() {
  HostPeaks p;
  if (hwloc_topology_t topo = host_topology()) {
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    if (root && root->total_memory) p.memory_bytes = root->total_memory;
    p.cores = std::max(1, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE));
    p.logical_cpus = std::max(1, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU));
    p.numa_nodes = std::max(1, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE));
    for (hwloc_obj_type_t t : {HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE}) {
      hwloc_obj_t cache = hwloc_get_next_obj_by_type(topo, t, nullptr);
      if (cache && cache->attr && cache->attr->cache.size) {
        p.llc_bytes = cache->attr->cache.size;
        break;
      }
    }
    hwloc_obj_t package = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, nullptr);
    const char* model = package ? hwloc_obj_get_info_by_name(package, "CPUModel") : nullptr;
    if (!model && root) model = hwloc_obj_get_info_by_name(root, "CPUModel");
    if (model) p.cpu_model = model;
  }
  if (p.memory_bytes == 0) p.memory_bytes = uint64_t{16} << 30;  // hwloc failed: a guess
  return p;
}

void measure_host_peaks(HostPeaks& p) {
  p.f32_flops_per_s = p.cores * fast::measure_f32_flops_per_core();
  // 2 x 2 MiB per core: a fraction of a millisecond of DRAM traffic per trial.
  p.bandwidth_bytes_per_s = measure_copy_bandwidth(p.cores, uint64_t{4} << 20, 5);
  p.measured = "measured now";
}

double measure_copy_bandwidth(int threads, uint64_t bytes_per_thread, int trials) {
  threads = std::max(1, threads);
  trials = std::max(1, trials);
  const size_t n = std::max<uint64_t>(bytes_per_thread / 2 / sizeof(float), 1024);
  std::vector<double> seconds(static_cast<size_t>(threads) * trials, 0.0);
  std::barrier sync(threads);
  const auto worker = [&](int t) {
    // Each thread first touches its own arrays (their pages land near it), filling them with
    // non-temporal stores so neither is left in a cache. Copies then alternate direction: each
    // reads the array the previous one streamed out, which is in DRAM only, and streams the other
    // (evicting whatever of it the caches held). So no trial reads from a cache, with no
    // flushing and arrays far smaller than the last-level cache.
    std::vector<float> pattern(4096, 1.0f);
    std::unique_ptr<float[]> a(new float[n]), b(new float[n]);
    for (size_t i = 0; i < n; i += pattern.size()) {
      const auto m = static_cast<int64_t>(std::min(pattern.size(), n - i));
      fast::stream_copy_f32(pattern.data(), a.get() + i, m);
      fast::stream_copy_f32(pattern.data(), b.get() + i, m);
    }
    for (int trial = 0; trial < trials; ++trial) {
      const float* src = trial % 2 ? b.get() : a.get();
      float* dst = trial % 2 ? a.get() : b.get();
      sync.arrive_and_wait();  // all threads copy at once: they share the memory bus
      const auto t0 = std::chrono::steady_clock::now();
      fast::stream_copy_f32(src, dst, static_cast<int64_t>(n));
      seconds[static_cast<size_t>(trial) * threads + t] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> team;
  for (int t = 1; t < threads; ++t) team.emplace_back(worker, t);
  worker(0);
  for (std::thread& th : team) th.join();
  double best = 0;
  for (int trial = 0; trial < trials; ++trial) {
    // A trial lasts as long as its slowest thread.
    double slowest = 0;
    for (int t = 0; t < threads; ++t)
      slowest = std::max(slowest, seconds[static_cast<size_t>(trial) * threads + t]);
    if (slowest > 0) best = std::max(best, 2.0 * n * sizeof(float) * threads / slowest);
  }
  return best;
}

const HostPeaks& host_peaks() {
  static const HostPeaks peaks = load_or_measure_host_peaks({});
  return peaks;
}

const HostPeaks& measured_host_peaks() {
  static const HostPeaks peaks = load_or_measure_host_peaks({.enabled = false, .dir = {}});
  return peaks;
}

}  // namespace nuri::cpu
