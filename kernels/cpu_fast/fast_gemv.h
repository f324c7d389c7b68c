// Few-row products against constant weights (the decode step's matmuls): y[r, :] = x[r, :] . W
// for W of K x N, with W packed once into panels of kGemvPanel output columns so each panel is
// one contiguous stream read once per call (the step is bound by reading the weights).
// Weights are f32, or int8 with one f32 scale per output column (weight-only quantization:
// activations stay f32, the bytes are widened and scaled in registers).
#pragma once

#include <cstdint>

namespace nuri::cpu::fast {

constexpr int64_t kGemvPanel = 64;  // output columns per panel: four 16-float vectors

inline int64_t gemv_panels(int64_t n) {
  return (n + kGemvPanel - 1) / kGemvPanel;
}
// Elements of a packed W: panels x K x kGemvPanel (columns past N are zero).
inline int64_t gemv_packed_elements(int64_t k, int64_t n) {
  return gemv_panels(n) * k * kGemvPanel;
}

// packed[p][k][c] = alpha * W[k, p * kGemvPanel + c], W[k, j] at w[k * k_stride + j * n_stride].
void pack_gemv_f32(const float* w, int64_t k, int64_t n, int64_t k_stride, int64_t n_stride,
                   float alpha, float* packed);
// Symmetric per-column int8: scales[j] = max_k |alpha * W[k, j]| / 127 (1 for an all-zero
// column), packed = round-half-even(alpha * W / scale) in [-127, 127], same layout as f32.
void pack_gemv_s8(const float* w, int64_t k, int64_t n, int64_t k_stride, int64_t n_stride,
                  float alpha, int8_t* packed, float* scales);

struct GemvArgs {
  const float* x = nullptr;  // rows x K, row r at x + r * x_stride
  int64_t rows = 0, x_stride = 0, k = 0, n = 0;
  const float* w_f32 = nullptr;   // packed f32 weights, or
  const int8_t* w_s8 = nullptr;   // packed int8 weights with
  const float* scales = nullptr;  // N per-column scales
  float* y = nullptr;             // rows x N, row r at y + r * y_stride
  int64_t y_stride = 0;
};
// Columns of panels [p0, p1) of every row (single-threaded: callers split panels).
void gemv(const GemvArgs& args, int64_t p0, int64_t p1);

// Sum of x[0, n): one read of every byte at the widest vector ISA (what a weight-streaming
// bound is timed on).
float sum_f32(const float* x, int64_t n);

}  // namespace nuri::cpu::fast
