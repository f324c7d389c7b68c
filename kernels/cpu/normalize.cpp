#include "kernels/cpu/normalize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {

void softmax(const float* x, float* y, int64_t outer, int64_t axis_len, int64_t inner) {
  if (outer < 0 || axis_len < 0 || inner < 0) throw Error("softmax: negative extent");
  const int64_t slab = axis_len * inner;
  if (slab == 0) return;
  // Per slab [axis_len, inner]: column maxima, then exp(x - max) kept in double so y is
  // rounded once. Loops run over `inner` innermost, so strided softmax stays sequential.
  std::vector<double> mx(static_cast<size_t>(inner));
  std::vector<double> sum(static_cast<size_t>(inner));
  std::vector<double> e(static_cast<size_t>(slab));
  for (int64_t o = 0; o < outer; ++o) {
    const float* xs = x + o * slab;
    float* ys = y + o * slab;
    std::fill(mx.begin(), mx.end(), -std::numeric_limits<double>::infinity());
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t a = 0; a < axis_len; ++a)
      for (int64_t i = 0; i < inner; ++i) {
        const double v = xs[a * inner + i];
        if (v > mx[i] || std::isnan(v)) mx[i] = v;  // NaN must reach the output
      }
    for (int64_t a = 0; a < axis_len; ++a)
      for (int64_t i = 0; i < inner; ++i) {
        const double v = std::exp(xs[a * inner + i] - mx[i]);
        e[a * inner + i] = v;
        sum[i] += v;
      }
    for (int64_t a = 0; a < axis_len; ++a)
      for (int64_t i = 0; i < inner; ++i)
        ys[a * inner + i] = static_cast<float>(e[a * inner + i] / sum[i]);
  }
}

void layer_norm(const float* x, const float* scale, const float* bias, float* y, int64_t rows,
                int64_t cols, float eps) {
  if (rows < 0 || cols < 0) throw Error("layer_norm: negative extent");
  if (rows == 0 || cols == 0) return;
  if (scale == nullptr) throw Error("layer_norm: scale is required");
  // Two passes in double: the mean first, then the centered sum of squares, which avoids
  // the cancellation of E[x^2] - E[x]^2 when |mean| >> stddev.
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double s = 0.0;
    for (int64_t j = 0; j < cols; ++j) s += xr[j];
    const double mean = s / static_cast<double>(cols);
    double ss = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const double d = xr[j] - mean;
      ss += d * d;
    }
    const double var = ss / static_cast<double>(cols);
    const double inv_std = 1.0 / std::sqrt(var + static_cast<double>(eps));
    for (int64_t j = 0; j < cols; ++j) {
      double v = (xr[j] - mean) * inv_std * scale[j];
      if (bias != nullptr) v += bias[j];
      yr[j] = static_cast<float>(v);
    }
  }
}

void rms_norm(const float* x, const float* scale, float* y, int64_t rows, int64_t cols, float eps) {
  if (rows < 0 || cols < 0) throw Error("rms_norm: negative extent");
  if (rows == 0 || cols == 0) return;
  if (scale == nullptr) throw Error("rms_norm: scale is required");
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double ss = 0.0;
    for (int64_t j = 0; j < cols; ++j) ss += static_cast<double>(xr[j]) * xr[j];
    const double inv_rms = 1.0 / std::sqrt(ss / static_cast<double>(cols) + eps);
    for (int64_t j = 0; j < cols; ++j) yr[j] = static_cast<float>(xr[j] * inv_rms * scale[j]);
  }
}

}  // namespace nuri::kernels
