// Vector-unit programs the tiler does not provide: elementwise Silu / Relu and rotary position
// embedding (rotate-half form) on bf16 tensors in DRAM, computed in f32 on the vector unit.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

enum class UnaryKind : uint8_t { Silu, Relu };

// out = f(x) over a dense bf16 [rows x cols]; rows are split across cores in blocks.
std::vector<sim::Program> emit_unary(const sim::NpuConfig& cfg, UnaryKind kind, uint32_t rows,
                                     uint32_t cols, uint64_t x_addr, uint64_t out_addr);

// x, out: [seq x (heads * head_dim)] bf16 with row strides ldx / ldo (head h at column
// h * head_dim); cos, sin: f32 [seq x head_dim / 2]. out[i] = x[i] cos - x[i + half] sin,
// out[i + half] = x[i + half] cos + x[i] sin. Heads are split across cores.
struct RotarySpec {
  uint32_t seq = 0, heads = 0, head_dim = 0;
  uint64_t x_addr = 0, ldx = 0, out_addr = 0, ldo = 0, cos_addr = 0, sin_addr = 0;
};
std::vector<sim::Program> emit_rotary(const sim::NpuConfig& cfg, const RotarySpec& s);

}  // namespace nuri::npu
