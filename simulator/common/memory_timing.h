// The off-chip memory as a timing model, seen from a DMA engine. The NPU's simple
// bandwidth/latency model and the command-level DRAM model both implement it, so either can
// sit under the NPU. Time is in nanoseconds (double) so clients in different clock domains
// can share one memory; each client converts its own cycles at its own clock.
#pragma once

#include <cstdint>
#include <string>

namespace nuri::sim {

struct MemoryTransferStats {
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t transfers = 0;
};

class MemoryTiming {
 public:
  virtual ~MemoryTiming() = default;
  // Serves one transfer of `bytes` contiguous bytes at `addr`, issued at `issue_ns`; returns the
  // time the last byte arrives (read) or is accepted (write). Calls may come from several
  // requesters with non-decreasing or interleaved issue times; implementations share their
  // bandwidth among them.
  virtual double transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) = 0;
  // Forget all state (queues, open rows, stats).
  virtual void reset() = 0;
  // A promise that no later transfer is issued before `ns`: state older than that may go.
  virtual void retire_before(double /*ns*/) {}
  virtual std::string describe() const = 0;
  // Peak bandwidth in bytes per nanosecond (= GB/s), for roofline bounds.
  virtual double peak_bytes_per_ns() const = 0;
  virtual MemoryTransferStats stats() const = 0;
};

}  // namespace nuri::sim
