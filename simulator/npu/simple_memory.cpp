#include "simulator/npu/simple_memory.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

SimpleMemory::SimpleMemory(const MemoryConfig& cfg)
    : cfg_(cfg), bytes_per_ns_(cfg.aggregate_gbps()) {
  if (!(bytes_per_ns_ > 0)) throw Error("SimpleMemory: aggregate bandwidth must be > 0");
}

SimpleMemory::BusyMap::iterator SimpleMemory::occupy(BusyMap::iterator after,
                                                     BusyMap::iterator before, double start,
                                                     double end) {
  auto next = after;
  if (before != busy_.end() && before->first >= start) {  // one starting exactly at `start`
    next = before;
    before = next == busy_.begin() ? busy_.end() : std::prev(next);
  }
  auto first = busy_.end();
  if (before != busy_.end() && before->second >= start) {  // touches the previous one
    first = before;
    end = std::max(end, first->second);
  }
  while (next != busy_.end() && next->first <= end) {  // swallow the intervals it reaches
    end = std::max(end, next->second);
    next = busy_.erase(next);
  }
  if (first != busy_.end()) {  // extended: same start, later end
    first->second = end;
    return first;
  }
  return busy_.emplace_hint(next, start, end);
}

std::pair<SimpleMemory::BusyMap::iterator, SimpleMemory::BusyMap::iterator>
SimpleMemory::first_after(double t) {
  // A DMA's row transfers issue one after another at rising times, each landing near where
  // the one before it ended: a few steps from there usually find the spot.
  constexpr int kSteps = 8;
  auto it = last_;
  if (it != busy_.end()) {
    if (it->first <= t) {
      auto before = it++;
      for (int i = 0; i < kSteps && it != busy_.end() && it->first <= t; ++i) before = it++;
      if (it == busy_.end() || it->first > t) return {it, before};
    } else {
      for (int i = 0; i < kSteps && it != busy_.begin(); ++i) {
        auto before = std::prev(it);
        if (before->first <= t) return {it, before};
        it = before;
      }
      if (it == busy_.begin()) return {it, busy_.end()};
    }
  }
  auto next = busy_.upper_bound(t);
  return {next, next == busy_.begin() ? busy_.end() : std::prev(next)};
}

void SimpleMemory::check_range(uint64_t addr, uint64_t bytes) const {
  if (addr + bytes > cfg_.capacity_bytes || addr + bytes < addr)
    throw Error(fmt::format("SimpleMemory: transfer [{:#x}, +{}) beyond capacity {} bytes", addr,
                            bytes, cfg_.capacity_bytes));
}

double SimpleMemory::serve(double t, double need) {
  // Take idle time from the issue on, slice by slice, until the transfer is served.
  // `next` is the first interval starting after t and `before` the one before it (end() if
  // none). Intervals are disjoint and never touch, so after jumping to the end of `before`, or
  // after a slice merged into interval m, both follow without another search: m + 1 and m.
  auto [next, before] = first_after(t);
  for (;;) {
    if (before != busy_.end() && before->second > t) {  // t is inside a busy interval
      t = before->second;
      continue;
    }
    const double slice = next == busy_.end() ? need : std::min(need, next->first - t);
    last_ = occupy(next, before, t, t + slice);
    before = last_;
    next = std::next(last_);
    t += slice;
    need -= slice;
    if (need <= 0) break;
  }
  return t;
}

double SimpleMemory::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  check_range(addr, bytes);
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  if (bytes == 0) return issue_ns + cfg_.latency_ns;
  return serve(issue_ns, static_cast<double>(bytes) / bytes_per_ns_) + cfg_.latency_ns;
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
  for (double t : issue_ns) done = std::max(done, serve(t, need) + cfg_.latency_ns);
  return done;
}

void SimpleMemory::retire_before(double ns) {
  // Intervals wholly before `ns` can no longer delay anything; keep the one reaching past it.
  auto it = busy_.begin();
  while (it != busy_.end() && it->second < ns) {
    if (it == last_) last_ = busy_.end();
    it = busy_.erase(it);
  }
}

void SimpleMemory::reset() {
  busy_.clear();
  last_ = busy_.end();
  stats_ = {};
}

std::string SimpleMemory::describe() const {
  return fmt::format(
      "simple {}: {} ch x {} GB/s = {} GB/s, {} ns latency, one server in issue-time order",
      cfg_.kind, cfg_.channels, cfg_.gbps_per_channel, bytes_per_ns_, cfg_.latency_ns);
}

}  // namespace nuri::sim::npu
