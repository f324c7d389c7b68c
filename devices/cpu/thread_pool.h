// The engine's worker threads. Debian's oneDNN 2.6 is built with the OpenMP runtime (libgomp:
// DNNL_CPU_THREADING_RUNTIME OMP), so oneDNN parallelizes on the calling thread's OpenMP team.
// A second pool of our own would oversubscribe the cores (GOMP workers spin after each
// primitive), so the pool *is* that OpenMP team: sized with omp_set_num_threads on the calling
// thread before primitives are created and before each run, and each member pinned to one
// physical core through hwloc. Our kernels use it through parallel_for.
#pragma once

#include <cstdint>
#include <functional>

namespace nuri::cpu {

class ThreadPool {
 public:
  // threads <= 0: one per physical core.
  ThreadPool(int threads, bool pin);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  // Makes the calling thread's OpenMP team this size (and pinned): call before creating oneDNN
  // primitives and before running them.
  void enter();
  // fn(begin, end) over [0, n) in contiguous chunks, one per thread (grain: min items a chunk).
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn, int64_t grain = 1);
  // fn(i, thread) for each i in [0, n), handed out dynamically (uneven tasks).
  void parallel_tasks(int64_t n, const std::function<void(int64_t, int)>& fn);

  static int physical_cores();
  // The most threads a pool accepts: four per logical CPU (more only thrashes, and thousands
  // exhaust the OpenMP runtime).
  static int max_threads();

 private:
  void pin_team();

  int threads_;
  bool pin_;
};

}  // namespace nuri::cpu
