// ONNX QuantizeLinear / DequantizeLinear for int8 and uint8 (dequantize also int32, the dtype
// exporters give a quantized bias), per-tensor or per-channel.
#pragma once

#include <cstdint>

namespace nuri::kernels {

// x viewed as [outer, channels, inner]; scale/zero_point have `channels` entries (1 for
// per-tensor: pass channels = 1 and inner = n). zero_point nullable (0).
// y = saturate(round_half_even(x / scale) + zero_point) into the range of y's type.
void quantize_linear(const float* x, const float* scale, const int8_t* zero_point, int8_t* y,
                     int64_t outer, int64_t channels, int64_t inner);
void quantize_linear(const float* x, const float* scale, const uint8_t* zero_point, uint8_t* y,
                     int64_t outer, int64_t channels, int64_t inner);
// y = (x - zero_point) * scale.
void dequantize_linear(const int8_t* x, const float* scale, const int8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner);
void dequantize_linear(const uint8_t* x, const float* scale, const uint8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner);
void dequantize_linear(const int32_t* x, const float* scale, const int32_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner);

// round_half_even(v), then saturated to [lo, hi]; NaN gives 0 (before the zero point is added
// by the caller). The one rounding rule every quantizing kernel shares.
float round_half_even(float v);
float saturate(float v, float lo, float hi);

}  // namespace nuri::kernels
