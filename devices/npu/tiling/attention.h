// Multi-head attention O = softmax(scale * Q K^T [+ causal mask]) V per head, emitted as NPU
// programs: heads are split across cores; per head K and V stay on chip while blocks of query
// rows run QK^T on the array (K loaded untransposed, the array takes B transposed), softmax
// on the vector unit in f32 over the scores in acc, then P V on the array.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

struct AttentionSpec {
  uint32_t seq = 0, heads = 0, head_dim = 0;
  sim::DType dtype = sim::DType::BF16;  // q, k, v, out (bf16 only for now)
  // q/k/v/out are [seq x (heads * head_dim)] row-major with the given row strides.
  uint64_t q_addr = 0, k_addr = 0, v_addr = 0, out_addr = 0;
  uint64_t ldq = 0, ldk = 0, ldv = 0, ldo = 0;  // elements; 0 = heads * head_dim
  bool causal = false;
  float scale = 0;  // 0 = 1 / sqrt(head_dim)
};

// Throws nuri::Error for an invalid spec or when K, V of one head plus a block of one query
// row do not fit the scratchpads (no online-softmax streaming over keys yet).
std::vector<sim::Program> emit_attention(const sim::NpuConfig& cfg, const AttentionSpec& spec);

}  // namespace nuri::npu
