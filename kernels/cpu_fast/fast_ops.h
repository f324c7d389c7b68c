// Vectorized f32 row and elementwise kernels. Single-threaded over the range they are given:
// callers split rows (or elements) across threads. Each row is computed the same way whatever
// the split, so results do not depend on the thread count.
//
// `streaming` writes the output with non-temporal stores (same values): for outputs larger
// than the last-level cache, which skips the write-allocate read of every output line and keeps
// the caches for data that will be read again. Small outputs want cached stores (the next op
// reads them from cache).
#pragma once

#include <cstdint>

namespace nuri::cpu::fast {

// y[r, :] = softmax(x[r, :]) for r in [0, rows).
void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols, bool streaming = false);

// y = (x - mean) / sqrt(var + eps) * gamma + beta per row; beta nullable.
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                     int64_t cols, float eps, bool streaming = false);
// y = x / sqrt(mean(x^2) + eps) * gamma per row.
void rms_norm_rows(const float* x, const float* gamma, float* y, int64_t rows, int64_t cols,
                   float eps, bool streaming = false);

enum class Activation { Relu, GeluTanh, GeluErf, Silu, Sigmoid, Tanh, Exp };
void activation(Activation act, const float* x, float* y, int64_t n, bool streaming = false);

enum class Binary { Add, Sub, Mul, Div };
// y[r, c] = a[r, c] op b[r * b_row_stride + c]: b_row_stride = cols for equal shapes, 0 for a
// row vector broadcast over rows.
void binary_rows(Binary op, const float* a, const float* b, int64_t b_row_stride, float* y,
                 int64_t rows, int64_t cols);
// y[i] = a[i] op s.
void binary_scalar(Binary op, const float* a, float s, float* y, int64_t n);

// y = x with non-temporal stores: what memory bandwidth probes time.
void stream_copy_f32(const float* x, float* y, int64_t n);
// The best f32 multiply-add rate of one core (FLOP/s) on the widest vector ISA this CPU has,
// timed on independent FMA chains (best of a few ~0.3 ms trials).
double measure_f32_flops_per_core();

// Round-to-nearest-even f32 -> bf16 (NaN stays NaN).
void f32_to_bf16(const float* x, uint16_t* y, int64_t n);

}  // namespace nuri::cpu::fast
