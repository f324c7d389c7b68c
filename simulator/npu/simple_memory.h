// The simple off-chip model: every transfer from every core goes through ONE server whose rate
// is the aggregate bandwidth (channels x per-channel GB/s), then pays a fixed latency.
// Requests are served in the order of their issue times, not the order they reach the model:
// the simulator commits a core's instructions in program order, but a later instruction (the
// next tile's prefetch) may issue before an earlier one (the previous tile's store). So the
// server keeps its busy intervals and a transfer of b bytes issued at t takes the first
// b / BW ns of idle time from t on (filling gaps between earlier-committed transfers, which
// keep their slots), then done = end of its last slice + latency.
// So concurrent requesters share bandwidth and an isolated transfer costs latency + b / BW. It
// ignores banks, rows, refresh and read/write turnaround (the command-level DRAM model in
// simulator/dram covers those through the same interface).
#pragma once

#include <map>
#include <memory_resource>
#include <span>
#include <utility>

#include "simulator/common/memory_timing.h"
#include "simulator/npu/config.h"

namespace nuri::sim::npu {

class SimpleMemory : public MemoryTiming {
 public:
  explicit SimpleMemory(const MemoryConfig& cfg);
  double transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) override;
  // The rows of one DMA: `issue_ns.size()` transfers of `bytes` each, row r issued at
  // issue_ns[r] (non-decreasing) at addr + r * stride_bytes. Exactly what a transfer() per row
  // returns (the latest completion) and leaves behind, without a call and a check per row.
  double transfer_rows(std::span<const double> issue_ns, uint64_t addr, uint64_t stride_bytes,
                       uint64_t bytes, bool is_write);
  void reset() override;
  void retire_before(double ns) override;
  std::string describe() const override;
  double peak_bytes_per_ns() const override { return bytes_per_ns_; }
  MemoryTransferStats stats() const override { return stats_; }

 private:
  // Disjoint, never touching busy intervals: start -> end (ns). Nodes come from a pool (a
  // transfer may add and merge several slices; the general heap made that half the run time)
  // and every insert is hinted, so slices cost amortised constant time, wherever they land.
  using BusyMap = std::pmr::map<double, double>;
  // Marks [start, end) busy, merging with touching neighbours; `after` is the first interval
  // starting after `start` and `before` the one before it (end() if none). Returns the interval
  // now holding it.
  BusyMap::iterator occupy(BusyMap::iterator after, BusyMap::iterator before, double start,
                           double end);

  // The first interval starting after t (upper_bound) and the one before it (end() if none),
  // searched from last_ outwards first.
  std::pair<BusyMap::iterator, BusyMap::iterator> first_after(double t);

  // Serves `need` ns of transfer issued at t; returns when its last slice ends.
  double serve(double t, double need);
  // Throws when [addr, addr + bytes) is beyond the capacity.
  void check_range(uint64_t addr, uint64_t bytes) const;

  MemoryConfig cfg_;
  double bytes_per_ns_;
  std::pmr::unsynchronized_pool_resource pool_;
  BusyMap busy_{&pool_};
  // The interval the latest slice went into (end() if none or retired): valid because only
  // occupy, retire_before and reset change busy_, and they keep it up to date.
  BusyMap::iterator last_ = busy_.end();
  MemoryTransferStats stats_;
};

}  // namespace nuri::sim::npu
