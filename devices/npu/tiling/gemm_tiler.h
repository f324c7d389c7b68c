// GEMM tiling for the NPU: C[M,N] = act(A[M,K] B[K,N] + bias) with operands off-chip.
// plan_gemm picks a core grid, tile sizes that fit double-buffered in the scratchpads, and a
// loop order: an analytic estimate (max of array cycles, traffic over bandwidth and DMA engine
// time, plus prologue and epilogue) ranks all candidates, and a timing-only simulation of the
// best few picks the plan, ties broken by less off-chip traffic. emit_gemm turns a plan into one
// Program per core: DMA loads into alternating buffers (so loads overlap compute), array-sized
// matmuls accumulating over K in acc, then bias / activation / dtype conversion on the vector unit
// and a DMA store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/npu/isa.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

enum class Activation : uint8_t { None, Relu, Gelu };

struct GemmSpec {
  uint32_t m = 0, n = 0, k = 0;
  sim::DType dtype = sim::DType::BF16;      // A and B
  sim::DType out_dtype = sim::DType::BF16;  // bf16 or f32 for bf16 operands; int32 for int8
  uint64_t a_addr = 0, b_addr = 0, c_addr = 0;
  uint64_t lda = 0, ldb = 0, ldc = 0;  // row strides in elements; 0 = dense
  bool transpose_b = false;            // B stored as [N x K]
  bool has_bias = false;
  uint64_t bias_addr = 0;  // [N] in the accumulator dtype (f32 / int32)
  Activation act = Activation::None;
};

struct GemmPlan {
  uint32_t tile_m = 0, tile_n = 0, tile_k = 0;
  bool n_outer = false;  // loop order: false = m tiles outer (A panel reuse), true = n outer
  uint32_t split_m = 1, split_n = 1;  // cores used = split_m * split_n
  uint64_t dram_bytes = 0;            // estimated off-chip traffic
  uint64_t est_cycles = 0;            // simulated cycles of the chosen plan (core clock)
  nlohmann::json to_json() const;
};

// Why `spec` cannot be tiled on `cfg` ("" = it can): what plan_gemm would throw, found by the
// analytic ranking alone (no simulation), so a capability query stays cheap.
std::string gemm_unsupported(const sim::NpuConfig& cfg, const GemmSpec& spec);

// Throws nuri::Error naming the field for an invalid spec (zero size, unsupported dtype) or
// when not even the smallest tiling fits the scratchpads.
GemmPlan plan_gemm(const sim::NpuConfig& cfg, const GemmSpec& spec);
std::vector<sim::Program> emit_gemm(const sim::NpuConfig& cfg, const GemmSpec& spec,
                                    const GemmPlan& plan);
inline std::vector<sim::Program> emit_gemm(const sim::NpuConfig& cfg, const GemmSpec& spec) {
  return emit_gemm(cfg, spec, plan_gemm(cfg, spec));
}

}  // namespace nuri::npu
