// Functional (numeric) execution of validated instructions: real bf16/int8 operands, f32/int32
// accumulation, real bf16 rounding on every bf16 store (kernels/cpu/half.h). Holds the
// off-chip memory image (grown on demand, zero-filled) and each core's scratchpads.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/npu/config.h"
#include "simulator/npu/isa.h"

namespace nuri::sim::npu {

class FunctionalModel {
 public:
  explicit FunctionalModel(const NpuConfig& c);
  void execute(uint32_t core, const Instr& i);

  void write_dram(uint64_t addr, const void* src, uint64_t bytes);
  void read_dram(uint64_t addr, void* dst, uint64_t bytes);
  // Direct scratchpad access for tests and debugging.
  uint8_t* local(uint32_t core, Space s, uint64_t addr, uint64_t bytes);

 private:
  uint8_t* ptr(uint32_t core, const TileRef& t);
  void dma(uint32_t core, const Instr& i);
  void matmul(uint32_t core, const Instr& i);
  void vector(uint32_t core, const Instr& i);

  const NpuConfig& cfg_;
  std::vector<uint8_t> dram_;
  std::vector<std::vector<uint8_t>> spm_, acc_;
  std::vector<float> fa_, fb_, fc_, fd_;  // scratch rows (reused to avoid allocation)
  std::vector<int32_t> ia_, ib_, ic_;
};

// Row conversion helpers shared with tests: element type <-> f32.
void load_row(const uint8_t* src, DType t, uint32_t n, float* out);
void store_row(const float* src, DType t, uint32_t n, uint8_t* out);

}  // namespace nuri::sim::npu
