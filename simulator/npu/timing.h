// Closed-form cycle counts per instruction, all in core clock cycles (NpuConfig::clock_mhz).
// README.md derives each one. R = array rows, C = array cols.
#pragma once

#include <cstdint>

#include "simulator/npu/config.h"

namespace nuri::sim::npu {

struct ArrayTiming {
  uint64_t latency;    // issue -> last result written to Acc
  uint64_t occupancy;  // issue -> the array can accept the next tile
};

// One matmul tile of A[m x k] B[k x n] (README.md derives each form).
//  Weight-stationary: preload R cycles (weights shift down one PE row per cycle), stream m
//    rows: last result leaves PE(R-1, C-1) m + R + C - 2 cycles after streaming starts.
//      latency = R + m + R + C - 2;  occupancy = pipelined ? max(m, R) : latency
//    (pipelined: the next tile's weights preload into the shadow buffer while m rows stream).
//  Output-stationary: stream k operand pairs skewed over rows and columns
//    (k + R + C - 2 cycles), then drain R rows of outputs:
//      latency = k + R + C - 2 + R;  occupancy = pipelined ? max(k, R) : latency
//    (pipelined: outputs drain through a second register set while the next tile streams).
//  Input-stationary: WS with A and B swapped: preload the A tile (k over rows, m over
//    columns), stream the n columns of B:
//      latency = R + n + R + C - 2;  occupancy = pipelined ? max(n, R) : latency
//  Compat::ScaleSim (SCALE-Sim v2's demand matrices, one fold per tile, no overlap):
//      WS 2R + C + m - 2, OS k + R + C - 2 (no separate drain), IS 2R + C + n - 2;
//      occupancy = latency.
ArrayTiming matmul_timing(const ArrayConfig& a, uint64_t m, uint64_t k, uint64_t n,
                          Compat compat = Compat::None);

// A vector op over rows x cols, processed one row at a time in chunks of `lanes`:
//   compute = rows * ceil(cols / lanes) * op_cycles  (+ rows * ceil(log2 lanes) for a
//             row reduction's cross-lane tree)
//   port    = ceil(bytes_moved / (spm banks * bank bytes per cycle))
//   cycles  = latency + max(compute, port)
uint64_t vector_cycles(const NpuConfig& c, VecOp op, uint64_t rows, uint64_t cols,
                       uint64_t bytes_moved);

// The DMA engine's own time for `bytes` (without off-chip memory): setup + ceil(bytes / bpc).
uint64_t dma_engine_cycles(const DmaConfig& d, uint64_t bytes);

inline uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

}  // namespace nuri::sim::npu
