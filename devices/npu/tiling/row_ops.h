// Row-wise vector ops on [rows x cols] tensors off-chip, emitted as NPU programs: blocks of
// rows are split across cores, loaded double-buffered, computed on the vector unit in f32 and
// stored in the tensor dtype (bf16 rounding on the final store is real).
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

enum class RowOp : uint8_t { Softmax, LayerNorm, RmsNorm, Gelu, Add, Mul };

struct RowOpSpec {
  RowOp op = RowOp::Softmax;
  uint32_t rows = 0, cols = 0;
  sim::DType dtype = sim::DType::BF16;            // x, y and out: bf16 or f32
  uint64_t x_addr = 0, y_addr = 0, out_addr = 0;  // y: second input of Add / Mul
  uint64_t ld = 0;                                // row stride of x, y, out (elements); 0 = cols
  uint64_t gamma_addr = 0, beta_addr = 0;         // f32 [cols] (LayerNorm, RmsNorm)
  float eps = 1e-5f;
};

// Throws nuri::Error if the spec is invalid or one row does not fit the scratchpad.
std::vector<sim::Program> emit_row_op(const sim::NpuConfig& cfg, const RowOpSpec& spec);

}  // namespace nuri::npu
