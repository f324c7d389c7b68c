// Small hand-checkable NPU configurations for the simulator tests.
#pragma once

#include "simulator/npu/config.h"

namespace nuri::sim::npu::testing {

// 1 core, 1 GHz (1 cycle = 1 ns), R x C array, 4 lanes, 16 B/cycle SPM port, one DMA engine
// of 64 B/cycle with 10 setup cycles, 16 GB/s memory with 100 ns latency.
inline NpuConfig tiny_config(uint32_t rows = 4, uint32_t cols = 4,
                             Dataflow df = Dataflow::WeightStationary, bool pipelined = true) {
  NpuConfig c;
  c.name = "tiny";
  c.source = "test";
  c.cores = 1;
  c.clock_mhz = 1000;
  c.dtypes = {DType::BF16, DType::I8};
  c.array = {rows, cols, df, pipelined};
  c.vector.lanes = 4;
  c.vector.latency_cycles = 2;
  c.vector.op_cycles.fill(1);
  c.vector.op_cycles[static_cast<size_t>(VecOp::Exp)] = 4;
  c.spm = {1 << 20, 4, 4};
  c.acc = {1 << 18, 4, 4};
  c.dma = {1, 64, 10};
  c.memory = {"test", 1, 16.0, 100.0, 1ull << 30};
  c.energy = {0.1, 0.4, 0.5, 0.5, 20.0, 1.0};
  validate_config(c);
  return c;
}

}  // namespace nuri::sim::npu::testing
