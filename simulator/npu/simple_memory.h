// The simple off-chip model: every transfer from every core goes through ONE first-come
// first-served server whose rate is the aggregate bandwidth (channels x per-channel GB/s),
// then pays a fixed latency. A transfer of b bytes issued at t finishes at
//   start = max(t, server_free);  server_free = start + b / BW;  done = server_free + latency.
// So concurrent requesters share bandwidth (their transfers queue), and an isolated transfer
// costs latency + b / BW. It ignores banks, rows, refresh and read/write turnaround (the
// command-level DRAM model in simulator/dram covers those through the same interface).
#pragma once

#include "simulator/common/memory_timing.h"
#include "simulator/npu/config.h"

namespace nuri::sim::npu {

class SimpleMemory : public MemoryTiming {
 public:
  explicit SimpleMemory(const MemoryConfig& cfg);
  double transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) override;
  void reset() override;
  std::string describe() const override;
  double peak_bytes_per_ns() const override { return bytes_per_ns_; }
  MemoryTransferStats stats() const override { return stats_; }

 private:
  MemoryConfig cfg_;
  double bytes_per_ns_;
  double server_free_ns_ = 0;
  MemoryTransferStats stats_;
};

}  // namespace nuri::sim::npu
