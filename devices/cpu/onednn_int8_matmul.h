// MatMulInteger / QLinearMatMul on oneDNN's int8 matmul: u8 or s8 activations (A) against
// constant s8 weights (B, packed once at compile time), s32 accumulation. A's per-tensor zero
// point is a runtime argument (it may come from the graph); QLinearMatMul's requantization
// runs inside the primitive as per-column output scales and a destination zero point.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

namespace nuri::cpu {

struct Int8MatmulSpec {
  int64_t m = 0, k = 0, n = 0;  // A [M, K] (leading dims flattened), B [K, N]
  bool a_unsigned = false;
  bool a_zero_point = false;  // a zero point is passed at execute
  const int8_t* b = nullptr;  // constant weights [K, N], row-major ([N, K] when b_transposed)
  bool b_transposed = false;
  // Output: int32 (MatMulInteger), requantized 8-bit (QLinearMatMul: output_scales =
  // a_scale * b_scale[j] / y_scale, y zero point), or f32 (dequantized: output_scales =
  // a_scale * b_scale[j], then + bias[j]). output_scales has 1 or N entries.
  enum class Out { Int32, Quantized, F32 } out = Out::Int32;
  std::vector<float> output_scales;
  int32_t y_zero_point = 0;
  bool y_unsigned = false;
  std::vector<float> bias;  // F32 only: N values or empty
};

class OnednnInt8Matmul {
 public:
  // Throws dnnl::error when oneDNN has no implementation (the caller falls back).
  OnednnInt8Matmul(const Int8MatmulSpec& spec, const dnnl::engine& engine);

  size_t scratchpad_bytes() const { return scratchpad_bytes_; }
  const char* impl_name() const { return impl_name_; }

  // a: [M, K] u8/s8; out: [M, N] s32, u8/s8 or f32 as the spec's Out.
  void execute(dnnl::stream& stream, const void* a, int32_t a_zero_point, void* out,
               void* scratchpad);

 private:
  dnnl::matmul prim_;
  dnnl::memory a_mem_, b_mem_, out_mem_, scratch_mem_, a_zp_mem_, bias_mem_;
  bool a_zp_ = false, bias_ = false;
  size_t scratchpad_bytes_ = 0;
  const char* impl_name_ = "";
};

}  // namespace nuri::cpu
