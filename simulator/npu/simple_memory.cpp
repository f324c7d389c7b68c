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

size_t SimpleMemory::occupy(size_t after, double start, double end) {
  // busy_[after] is the first interval starting after `start`; one starting at it comes before.
  size_t next = after > 0 && busy_[after - 1].start >= start ? after - 1 : after;
  size_t first = next;
  if (next > 0 && busy_[next - 1].end >= start) {  // touches the previous interval: extend it
    first = next - 1;
    start = busy_[first].start;
    end = std::max(end, busy_[first].end);
  }
  while (next < busy_.size() && busy_[next].start <= end)  // swallow the intervals it reaches
    end = std::max(end, busy_[next++].end);
  if (first == next) {
    busy_.insert(busy_.begin() + static_cast<std::ptrdiff_t>(first), Busy{start, end});
    return first;
  }
  busy_[first] = {start, end};
  busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(first + 1),
              busy_.begin() + static_cast<std::ptrdiff_t>(next));
  return first;
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
  // after jumping to the end of busy_[next - 1], or after a slice merged into busy_[m], the
  // first interval starting after t is found without another search: next, or m + 1.
  const auto starts_after = [](double v, const Busy& b) { return v < b.start; };
  size_t next = static_cast<size_t>(std::upper_bound(busy_.begin(), busy_.end(), t, starts_after) -
                                    busy_.begin());
  for (;;) {
    if (next > 0 && busy_[next - 1].end > t) {  // t is inside a busy interval
      t = busy_[next - 1].end;
      continue;
    }
    const double slice = next == busy_.size() ? need : std::min(need, busy_[next].start - t);
    next = occupy(next, t, t + slice) + 1;
    t += slice;
    need -= slice;
    if (need <= 0) break;
  }
  return t + cfg_.latency_ns;
}

void SimpleMemory::retire_before(double ns) {
  // Intervals wholly before `ns` can no longer delay anything; keep the one reaching past it.
  const auto keep =
      std::find_if(busy_.begin(), busy_.end(), [ns](const Busy& b) { return b.end >= ns; });
  busy_.erase(busy_.begin(), keep);
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
