#include "devices/cpu/thread_pool.h"

#include <omp.h>

#include <algorithm>

#include "devices/cpu/host_topology.h"

namespace nuri::cpu {
namespace {

// The team size the calling thread last pinned; GOMP keeps a master's workers across regions.
thread_local int pinned_team = 0;

}  // namespace

int ThreadPool::physical_cores() {
  hwloc_topology_t t = host_topology();
  const int cores = t ? hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE) : 0;
  return cores > 0 ? cores : std::max(1, omp_get_num_procs());
}

int ThreadPool::max_threads() {
  return 4 * std::max(1, omp_get_num_procs());
}

ThreadPool::ThreadPool(int threads, bool pin)
    : threads_(threads > 0 ? threads : physical_cores()), pin_(pin) {
  enter();
}

ThreadPool::~ThreadPool() = default;

void ThreadPool::enter() {
  omp_set_num_threads(threads_);
  if (pin_ && pinned_team != threads_) pin_team();
}

void ThreadPool::pin_team() {
  hwloc_topology_t t = host_topology();
  if (!t) return;
  const int cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
  if (cores <= 0) return;
#pragma omp parallel num_threads(threads_)
  {
    // More threads than cores wrap around; binding is a hint, so a failure is ignored.
    hwloc_obj_t core = hwloc_get_obj_by_type(t, HWLOC_OBJ_CORE, omp_get_thread_num() % cores);
    if (core) hwloc_set_cpubind(t, core->cpuset, HWLOC_CPUBIND_THREAD);
  }
  pinned_team = threads_;
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                              int64_t grain) {
  if (n <= 0) return;
  const int64_t chunks =
      std::min<int64_t>(threads_, std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (chunks <= 1) return fn(0, n);
#pragma omp parallel num_threads(static_cast <int>(chunks))
  {
    const int64_t i = omp_get_thread_num(), c = omp_get_num_threads();
    const int64_t begin = n * i / c, end = n * (i + 1) / c;
    if (begin < end) fn(begin, end);
  }
}

void ThreadPool::parallel_tasks(int64_t n, const std::function<void(int64_t, int)>& fn) {
  if (n <= 0) return;
  if (threads_ == 1 || n == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) \
    num_threads(static_cast <int>(std::min <int64_t>(threads_, n)))
  for (int64_t i = 0; i < n; ++i) fn(i, omp_get_thread_num());
}

}  // namespace nuri::cpu
