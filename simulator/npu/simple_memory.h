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

#include <limits>
#include <span>
#include <vector>

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
  struct Busy {
    double start, end;
  };
  // Serves rows of `need` ns each from issue_ns[0] up to the first whose issue time is below
  // the one before it; raises `done` to their latest completion. Returns how many it served.
  size_t serve_run(const double* issue_ns, size_t n, double need, double& done);
  // Moves busy_[i, size) up by `n` slots, so `n` new intervals fit before it; returns where
  // busy_[i] went. (Returned, not updated through a reference: that kept i out of a register.)
  size_t open_gap(size_t i, size_t n);
  // Throws when [addr, addr + bytes) is beyond the capacity.
  void check_range(uint64_t addr, uint64_t bytes) const;
  // Throws unless an issue time is finite (NaN or +inf would pass the sentinel). Rows of
  // transfer_rows are checked as they are served: those before a bad one have been served.
  void check_issue(bool finite) const;

  MemoryConfig cfg_;
  double bytes_per_ns_;
  // Disjoint, never touching busy intervals, sorted by start (so by end too), and last a
  // sentinel that starts and ends at +inf (it never delays and is never reached or retired).
  std::vector<Busy> busy_;
  static constexpr Busy kEndOfTime{std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::infinity()};
  MemoryTransferStats stats_;
};

}  // namespace nuri::sim::npu
