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

SimpleMemory::BusyMap::iterator SimpleMemory::occupy(BusyMap::iterator after, double start,
                                                     double end) {
  auto next = after;  // an interval starting exactly at `start` comes just before `after`
  if (next != busy_.begin() && std::prev(next)->first >= start) --next;
  auto first = busy_.end();
  if (next != busy_.begin() && std::prev(next)->second >= start) {  // touches the previous one
    first = std::prev(next);
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

SimpleMemory::BusyMap::iterator SimpleMemory::first_after(double t) {
  // A DMA's row transfers issue one after another at rising times, each landing near where
  // the one before it ended: a few steps from there usually find the spot.
  constexpr int kSteps = 8;
  auto it = last_;
  if (it != busy_.end()) {
    if (it->first <= t) {
      ++it;
      for (int i = 0; i < kSteps && it != busy_.end() && it->first <= t; ++i) ++it;
      if (it == busy_.end() || it->first > t) return it;
    } else {
      for (int i = 0; i < kSteps && it != busy_.begin() && std::prev(it)->first > t; ++i) --it;
      if (it == busy_.begin() || std::prev(it)->first <= t) return it;
    }
  }
  return busy_.upper_bound(t);
}

double SimpleMemory::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  if (addr + bytes > cfg_.capacity_bytes || addr + bytes < addr)
    throw Error(fmt::format("SimpleMemory: transfer [{:#x}, +{}) beyond capacity {} bytes", addr,
                            bytes, cfg_.capacity_bytes));
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  if (bytes == 0) return issue_ns + cfg_.latency_ns;
  double need = static_cast<double>(bytes) / bytes_per_ns_;
  double t = issue_ns;
  // Take idle time from the issue on, slice by slice, until the transfer is served.
  // `next` is the first interval starting after t. Intervals are disjoint and never touch, so
  // after jumping to the end of the one before `next`, or after a slice merged into interval
  // m, the first interval starting after t is found without another search: next, or m + 1.
  auto next = first_after(t);
  for (;;) {
    if (next != busy_.begin() && std::prev(next)->second > t) {  // t is inside a busy interval
      t = std::prev(next)->second;
      continue;
    }
    const double slice = next == busy_.end() ? need : std::min(need, next->first - t);
    last_ = occupy(next, t, t + slice);
    next = std::next(last_);
    t += slice;
    need -= slice;
    if (need <= 0) break;
  }
  return t + cfg_.latency_ns;
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
