// Splits one on-chip matmul (A, B in spm, C in acc, any size) into array-sized matmul
// instructions for the configured dataflow, ordered so consecutive tiles pipeline.
#pragma once

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

// C[M x N] (+)= A[M x K] B[K x N]; with transpose_b, B is stored [N x K].
//  weight-stationary: for each N chunk of `cols`, K chunks of `rows` accumulate (M streams);
//  output-stationary: for each (M chunk of `rows`, N chunk of `cols`) one instruction (K streams);
//  input-stationary: for each M chunk of `cols`, K chunks of `rows` accumulate (N streams).
void emit_onchip_matmul(const sim::NpuConfig& cfg, sim::Program& p, const sim::TileRef& c,
                        const sim::TileRef& a, const sim::TileRef& b, bool transpose_b,
                        bool accumulate);

// Number of matmul instructions emit_onchip_matmul produces for an m x k x n product.
uint64_t onchip_matmul_count(const sim::NpuConfig& cfg, uint64_t m, uint64_t k, uint64_t n);

}  // namespace nuri::npu
