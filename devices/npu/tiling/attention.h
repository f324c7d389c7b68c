// Multi-head attention O = softmax(scale * Q K^T [+ mask] [+ causal mask]) V per head, emitted
// as NPU programs: query heads are split across cores; per head K and V stay on chip while
// blocks of query rows run QK^T on the array (K loaded untransposed, the array takes B
// transposed), softmax on the vector unit in f32 over the scores in acc, then P V on the array.
// Grouped-query attention (kv_heads < heads): query head h reads kv head h / (heads / kv_heads),
// and a core keeps that kv head's K, V on chip for all its query heads of the group. Decode
// (kv_len > seq): the queries are the last `seq` of `kv_len` positions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

struct AttentionSpec {
  uint32_t seq = 0, heads = 0, head_dim = 0;
  uint32_t kv_len = 0;                  // keys and values per head; 0 = seq
  uint32_t kv_heads = 0;                // 0 = heads; must divide heads
  sim::DType dtype = sim::DType::BF16;  // q, k, v, out (bf16 only for now)
  // Head h of q/k/v/out is a [rows x head_dim] tile at addr + h * hs? elements, rows ld? apart.
  // Defaults (0): row-major [rows x (heads * head_dim)], head h at column h * head_dim.
  uint64_t q_addr = 0, k_addr = 0, v_addr = 0, out_addr = 0;
  uint64_t ldq = 0, ldk = 0, ldv = 0, ldo = 0;  // row strides in elements
  uint64_t hsq = 0, hsk = 0, hsv = 0, hso = 0;  // head strides in elements
  // An additive bf16 mask [seq x kv_len] per query head added to the scaled scores: head h's at
  // mask_addr + h * mask_hs elements, rows mask_ld apart (mask_hs 0 = one mask for all heads,
  // mask_ld 0 = one row for all queries).
  bool has_mask = false;
  uint64_t mask_addr = 0, mask_ld = 0, mask_hs = 0;
  bool causal = false;  // query i sees keys j <= kv_len - seq + i
  float scale = 0;      // 0 = 1 / sqrt(head_dim)
};

// Why `spec` cannot be emitted on `cfg` ("" = it can): an invalid spec, or K, V of one head plus
// one query row not fitting the scratchpads (no online-softmax streaming over keys yet).
std::string attention_unsupported(const sim::NpuConfig& cfg, const AttentionSpec& spec);

// Throws nuri::Error with attention_unsupported's reason.
std::vector<sim::Program> emit_attention(const sim::NpuConfig& cfg, const AttentionSpec& spec);

}  // namespace nuri::npu
