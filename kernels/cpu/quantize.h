// ONNX QuantizeLinear / DequantizeLinear for int8, per-tensor or per-channel.
#pragma once

#include <cstdint>

namespace nuri::kernels {

// x viewed as [outer, channels, inner]; scale/zero_point have `channels` entries (1 for
// per-tensor: pass channels = 1 and inner = n). zero_point nullable (0).
// y = saturate(round_half_even(x / scale) + zero_point) into [-128, 127].
void quantize_linear(const float* x, const float* scale, const int8_t* zero_point, int8_t* y,
                     int64_t outer, int64_t channels, int64_t inner);
// y = (x - zero_point) * scale.
void dequantize_linear(const int8_t* x, const float* scale, const int8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner);

}  // namespace nuri::kernels
