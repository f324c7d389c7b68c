// Softmax and normalizations over the trailing part of a tensor, f32, numerically stable.
#pragma once

#include <cstdint>

namespace nuri::kernels {

// Softmax along an axis of a tensor viewed as [outer, axis_len, inner].
void softmax(const float* x, float* y, int64_t outer, int64_t axis_len, int64_t inner);

// x viewed as [rows, cols]; normalizes each row. scale/bias have `cols` elements; bias nullable.
// y = (x - mean) / sqrt(var + eps) * scale + bias, var the biased (population) variance.
void layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows,
                int64_t cols, float eps);
// y = x / sqrt(mean(x^2) + eps) * scale.
void rms_norm(const float* x, const float* scale, float* y, int64_t rows, int64_t cols,
              float eps);

}  // namespace nuri::kernels
