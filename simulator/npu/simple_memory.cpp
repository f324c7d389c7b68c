#include "simulator/npu/simple_memory.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

SimpleMemory::SimpleMemory(const MemoryConfig& cfg)
    : cfg_(cfg), bytes_per_ns_(cfg.aggregate_gbps()) {
  if (!(bytes_per_ns_ > 0)) throw Error("SimpleMemory: aggregate bandwidth must be > 0");
}

void SimpleMemory::check_range(uint64_t addr, uint64_t bytes) const {
  if (addr + bytes > cfg_.capacity_bytes || addr + bytes < addr)
    throw Error(fmt::format("SimpleMemory: transfer [{:#x}, +{}) beyond capacity {} bytes", addr,
                            bytes, cfg_.capacity_bytes));
}

void SimpleMemory::open_gap(size_t& i, size_t n) {
  const size_t old = busy_.size();
  busy_.resize(old + n);
  std::copy_backward(busy_.begin() + static_cast<std::ptrdiff_t>(i),
                     busy_.begin() + static_cast<std::ptrdiff_t>(old), busy_.end());
  i += n;
}

double SimpleMemory::serve_run(const double* issue_ns, size_t n, double need_each) {
  // Each row takes idle time from its issue on, slice by slice, until it is served. While the
  // run is served busy_ is in three parts: [0, w) the intervals starting at or before the
  // current time t (busy_[w - 1] is `before`), [w, i) free slots, [i, size) the intervals
  // starting after t (busy_[i] is `next`). A row's slices only move forward, and so do the
  // rows (their issue times do not decrease, and a row issued inside the interval the previous
  // row ended in starts at its end), so one pass over busy_ serves the run: each step is the
  // per-row lookup and merge done in place, with the very same arithmetic in the same order.
  std::vector<Busy>& b = busy_;
  size_t w =
      static_cast<size_t>(std::upper_bound(busy_.begin(), busy_.end(), issue_ns[0],
                                           [](double t, const Busy& x) { return t < x.start; }) -
                          busy_.begin());
  size_t i = w;
  double done = -std::numeric_limits<double>::infinity();
  for (size_t r = 0; r < n; ++r) {
    double t = issue_ns[r];
    while (i < busy_.size() && b[i].start <= t) b[w++] = b[i++];
    double need = need_each;
    for (;;) {
      if (w > 0 && b[w - 1].end > t) {  // t is inside a busy interval
        t = b[w - 1].end;
        continue;
      }
      const double slice = i < busy_.size() ? std::min(need, b[i].start - t) : need;
      // Mark [t, t + slice) busy, merging with the intervals it touches. (An empty interval at
      // t, left where t + slice rounded to t, is extended like any other: the same set.)
      double end = t + slice;
      const bool extend = w > 0 && b[w - 1].end >= t;
      if (extend) end = std::max(end, b[w - 1].end);
      while (i < busy_.size() && b[i].start <= end) end = std::max(end, b[i++].end);
      if (extend) {
        b[w - 1].end = end;
      } else {
        // A row adds at most one interval (with its first slice): a gap for the rows left
        // lasts the run; a smaller one is at least as large as the intervals it moved.
        if (w == i) open_gap(i, std::min(n - r, std::max<size_t>(busy_.size() - i, 16)));
        b[w++] = {t, end};
      }
      t += slice;
      need -= slice;
      if (need <= 0) break;
    }
    done = std::max(done, t + cfg_.latency_ns);
  }
  busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(w),
              busy_.begin() + static_cast<std::ptrdiff_t>(i));
  return done;
}

double SimpleMemory::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  check_range(addr, bytes);
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  if (bytes == 0) return issue_ns + cfg_.latency_ns;
  return serve_run(&issue_ns, 1, static_cast<double>(bytes) / bytes_per_ns_);
}

double SimpleMemory::transfer_rows(std::span<const double> issue_ns, uint64_t addr,
                                   uint64_t stride_bytes, uint64_t bytes, bool is_write) {
  const uint64_t n = issue_ns.size();
  if (n == 0) return 0;
  // Rows rise in address, so the last reaches furthest; the error names the first row beyond.
  const uint64_t last = addr + (n - 1) * stride_bytes;
  if (last + bytes > cfg_.capacity_bytes || last + bytes < last || last < addr)
    for (uint64_t r = 0; r < n; ++r) check_range(addr + r * stride_bytes, bytes);
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes * n;
  stats_.transfers += n;
  double done = 0;
  if (bytes == 0) {
    for (double t : issue_ns) done = std::max(done, t + cfg_.latency_ns);
    return done;
  }
  const double need = static_cast<double>(bytes) / bytes_per_ns_;
  // Rows are served in runs of non-decreasing issue times (a DMA's rows are one run).
  for (uint64_t s = 0, e = 0; s < n; s = e) {
    for (e = s + 1; e < n && issue_ns[e] >= issue_ns[e - 1];) ++e;
    done = std::max(done, serve_run(issue_ns.data() + s, e - s, need));
  }
  return done;
}

void SimpleMemory::retire_before(double ns) {
  // Intervals wholly before `ns` can no longer delay anything; keep the one reaching past it.
  busy_.erase(busy_.begin(), std::partition_point(busy_.begin(), busy_.end(),
                                                  [ns](const Busy& b) { return b.end < ns; }));
}

void SimpleMemory::reset() {
  busy_.clear();
  stats_ = {};
}

std::string SimpleMemory::describe() const {
  return fmt::format(
      "simple {}: {} ch x {} GB/s = {} GB/s, {} ns latency, one server in issue-time order",
      cfg_.kind, cfg_.channels, cfg_.gbps_per_channel, bytes_per_ns_, cfg_.latency_ns);
}

}  // namespace nuri::sim::npu
