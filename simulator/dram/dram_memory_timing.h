// nuri::sim::MemoryTiming on top of the command-level DRAM model, so the NPU's DMA traffic can
// be timed by ACT/RD/WR/PRE/REF rules instead of a bandwidth/latency formula.
// Address mapping: the DRAM model's (see simulator/dram/address_map.h): consecutive 32 B-class
// bursts rotate over units, then bank groups, then columns, then banks, then rows; addresses
// wrap modulo the device capacity. Time: transfer() takes and returns ns; internally it rounds
// the issue time up to the next tCK edge of the DRAM command clock.
#pragma once

#include <string>

#include "simulator/common/memory_timing.h"
#include "simulator/dram/dram.h"

namespace nuri::sim::dram {

class DramMemoryTiming : public nuri::sim::MemoryTiming {
 public:
  explicit DramMemoryTiming(DramConfig cfg, int queue_depth = 32);
  double transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) override;
  void reset() override;
  std::string describe() const override;
  double peak_bytes_per_ns() const override;
  MemoryTransferStats stats() const override;
  const Dram& dram() const { return dram_; }

 private:
  Dram dram_;
  MemoryTransferStats stats_;
};

}  // namespace nuri::sim::dram
