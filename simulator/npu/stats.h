// Counters the simulator accumulates, and the energy model over them.
// Cycle figures are core clock cycles (NpuConfig::clock_mhz).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/npu/config.h"

namespace nuri::sim::npu {

struct CoreStats {
  uint64_t array_busy_cycles = 0;   // sum of matmul occupancies
  uint64_t vector_busy_cycles = 0;  // sum of vector instruction cycles
  uint64_t dma_busy_cycles = 0;     // sum over this core's DMA engines
  uint64_t macs_bf16 = 0, macs_int8 = 0;
  uint64_t vector_elems = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  uint64_t sram_bytes = 0;  // bytes read + written in spm and acc
  uint64_t instrs = 0;
  uint64_t macs() const { return macs_bf16 + macs_int8; }
};

// One run() call: an op of the graph (or any labelled program).
struct OpRecord {
  std::string label;
  uint64_t start_cycle = 0, end_cycle = 0;
  uint64_t macs = 0, dram_bytes = 0, vector_elems = 0, instrs = 0;
};

struct Energy {  // joules
  double mac = 0, vector = 0, sram = 0, dram = 0, static_ = 0;
  double total() const { return mac + vector + sram + dram + static_; }
};

// E = MACs * pJ/MAC(dtype) + vector elements * pJ/elem + SRAM bytes * pJ/B + DRAM bytes * pJ/B
//     + static W * elapsed time.
Energy energy_of(const EnergyConfig& e, const CoreStats& total, double seconds);
CoreStats sum_stats(const std::vector<CoreStats>& v);

}  // namespace nuri::sim::npu
