#include "simulator/npu/simple_memory.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

SimpleMemory::SimpleMemory(const MemoryConfig& cfg)
    : cfg_(cfg), bytes_per_ns_(cfg.aggregate_gbps()) {
  if (!(bytes_per_ns_ > 0)) throw Error("SimpleMemory: aggregate bandwidth must be > 0");
  busy_.push_back(kEndOfTime);
}

void SimpleMemory::check_range(uint64_t addr, uint64_t bytes) const {
  if (addr + bytes > cfg_.capacity_bytes || addr + bytes < addr)
    throw Error(fmt::format("SimpleMemory: transfer [{:#x}, +{}) beyond capacity {} bytes", addr,
                            bytes, cfg_.capacity_bytes));
}

size_t SimpleMemory::open_gap(size_t i, size_t n) {
  const size_t old = busy_.size();
  busy_.resize(old + n);
  std::copy_backward(busy_.begin() + static_cast<std::ptrdiff_t>(i),
                     busy_.begin() + static_cast<std::ptrdiff_t>(old), busy_.end());
  return i + n;
}

size_t SimpleMemory::serve_run(const double* issue_ns, size_t n, double need_each, double& done) {
  // Each row takes idle time from its issue on, slice by slice, until it is served. While the
  // run is served busy_ is in three parts: [0, w) the intervals starting at or before the
  // current time t (the last, `before`, is held in `cur`, its slot b[w - 1] is stale until
  // `cur` moves on), [w, i) free slots, [i, size) the intervals starting after t (b[i] is
  // `next`; the sentinel at +inf ends them, so no test for the end). A row's slices only move
  // forward, and so do the rows while their issue times do not decrease (a row issued inside the
  // interval the previous row ended in starts at its end), so one pass over busy_ serves them: each
  // step is the per-row lookup and merge done in place, with the very same arithmetic in the same
  // order.
  check_issue(std::isfinite(issue_ns[0]));
  size_t w =
      static_cast<size_t>(std::upper_bound(busy_.begin(), busy_.end(), issue_ns[0],
                                           [](double t, const Busy& x) { return t < x.start; }) -
                          busy_.begin());
  Busy* b = busy_.data();  // again after a gap is opened (it may reallocate)
  size_t i = w;
  // No interval before: one that never delays and is never extended (issue times are finite).
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Busy cur = w > 0 ? b[w - 1] : Busy{-kInf, -kInf};
  // Rounding is monotonic, so the latest end plus the latency is the latest of the ends
  // plus the latency: one add per run instead of one per row.
  double last_end = -kInf, prev_issue = issue_ns[0];
  size_t r = 0;
  for (; r < n; ++r) {
    double t = issue_ns[r];
    // Earlier than the row before (a new lookup), or +inf or NaN (refused by that lookup).
    if (!(t >= prev_issue && t < kInf)) break;
    prev_issue = t;
    while (b[i].start <= t) {
      if (w > 0) b[w - 1] = cur;
      cur = b[i++];
      ++w;
    }
    double need = need_each;
    for (;;) {
      // Inside a busy interval: start at its end (a max, not a branch: which way it goes is
      // as good as random when many DMAs interleave).
      t = std::max(t, cur.end);
      const double slice = std::min(need, b[i].start - t);  // need, before the sentinel
      // Mark [t, t + slice) busy, merging with the intervals it touches. One touching ends at
      // t, no later than the slice (so the merge keeps the slice's end); an empty interval at
      // t, left where t + slice rounded to t, is extended like any other: the same set.
      double end = t + slice;
      const bool extend = cur.end >= t;
      while (b[i].start <= end) end = std::max(end, b[i++].end);
      if (extend) {
        cur.end = end;
      } else {
        // A row adds at most one interval (with its first slice): a gap for the rows left
        // lasts the run; a smaller one is at least as large as the intervals it moved.
        if (w == i) [[unlikely]] {
          i = open_gap(i, std::min(n - r, std::max<size_t>(busy_.size() - i, 16)));
          b = busy_.data();
        }
        if (w > 0) b[w - 1] = cur;
        cur = {t, end};
        ++w;
      }
      t += slice;
      need -= slice;
      if (need <= 0) break;
    }
    last_end = std::max(last_end, t);
  }
  if (r > 0) done = std::max(done, last_end + cfg_.latency_ns);
  if (w > 0) b[w - 1] = cur;
  busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(w),
              busy_.begin() + static_cast<std::ptrdiff_t>(i));
  return r;
}

void SimpleMemory::check_issue(bool finite) const {
  if (!finite)
    throw Error(fmt::format("SimpleMemory ({}): a transfer issued at a time that is not finite",
                            cfg_.kind));
}

double SimpleMemory::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  check_range(addr, bytes);
  check_issue(std::isfinite(issue_ns));  // also when no bytes move
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  if (bytes == 0) return issue_ns + cfg_.latency_ns;
  double done = -std::numeric_limits<double>::infinity();
  serve_run(&issue_ns, 1, static_cast<double>(bytes) / bytes_per_ns_, done);
  return done;
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
    for (double t : issue_ns) {
      check_issue(std::isfinite(t));
      done = std::max(done, t + cfg_.latency_ns);
    }
    return done;
  }
  const double need = static_cast<double>(bytes) / bytes_per_ns_;
  // Rows are served in runs of non-decreasing issue times (a DMA's rows are one run).
  for (uint64_t s = 0; s < n;) s += serve_run(issue_ns.data() + s, n - s, need, done);
  return done;
}

void SimpleMemory::retire_before(double ns) {
  // Intervals wholly before `ns` can no longer delay anything; keep the one reaching past it.
  busy_.erase(busy_.begin(), std::partition_point(busy_.begin(), busy_.end(),
                                                  [ns](const Busy& b) { return b.end < ns; }));
}

void SimpleMemory::reset() {
  busy_.assign(1, kEndOfTime);
  stats_ = {};
}

std::string SimpleMemory::describe() const {
  return fmt::format(
      "simple {}: {} ch x {} GB/s = {} GB/s, {} ns latency, one server in issue-time order",
      cfg_.kind, cfg_.channels, cfg_.gbps_per_channel, bytes_per_ns_, cfg_.latency_ns);
}

}  // namespace nuri::sim::npu
