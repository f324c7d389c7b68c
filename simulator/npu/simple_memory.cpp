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

void SimpleMemory::occupy(double start, double end) {
  const auto by_start = [](const Busy& b, double t) { return b.start < t; };
  size_t next = static_cast<size_t>(std::lower_bound(busy_.begin(), busy_.end(), start, by_start) -
                                    busy_.begin());
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
    return;
  }
  busy_[first] = {start, end};
  busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(first + 1),
              busy_.begin() + static_cast<std::ptrdiff_t>(next));
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
  const auto after = [](double v, const Busy& b) { return v < b.start; };
  for (;;) {
    const auto next = std::upper_bound(busy_.begin(), busy_.end(), t, after);  // start > t
    if (next != busy_.begin() && std::prev(next)->end > t) {  // t is inside a busy interval
      t = std::prev(next)->end;
      continue;
    }
    const double slice =
        next == busy_.end() ? need : std::min(need, next->start - t);  // next->start > t
    occupy(t, t + slice);
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
