#include "simulator/pim/pim_numerics.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/half.h"

namespace nuri::sim::pim {

float round_to(NumType t, float v) {
  switch (t) {
    case NumType::kF16:
      return kernels::f16_to_f32(kernels::f32_to_f16(v));
    case NumType::kBf16:
      return kernels::bf16_to_f32(kernels::f32_to_bf16(v));
    case NumType::kF32:
      return v;
  }
  return v;
}

void pim_gemv_numerics(const PimConfig& cfg, const float* w, const float* x, int64_t rows,
                       int64_t cols, float* y, int64_t split_cols) {
  const int lanes = cfg.lanes;
  const NumType acc = cfg.accum;
  std::vector<float> xr(x, x + cols);
  std::vector<float> wr(static_cast<size_t>(cols));
  std::vector<float> part(static_cast<size_t>(lanes));
  for (float& v : xr) v = round_to(cfg.input, v);
  // The tile over which a unit accumulates before a readout (a split's chunk is a multiple of
  // vector_elems, so tile_outer readouts are unchanged by it).
  const int64_t whole = split_cols > 0 ? std::min(cols, split_cols) : cols;
  const int64_t span = cfg.schedule == PimSchedule::kRowsOuter ? whole : cfg.vector_elems;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t k = 0; k < cols; ++k) wr[size_t(k)] = round_to(cfg.input, w[i * cols + k]);
    float host = 0;  // host-side f32 sum of readouts
    for (int64_t t0 = 0; t0 < cols; t0 += span) {
      const int64_t t1 = std::min(cols, t0 + span);
      std::fill(part.begin(), part.end(), 0.0f);
      float unit = 0;  // lane_reduce: the unit's accumulator
      for (int64_t c0 = t0; c0 < t1; c0 += lanes) {
        float prod[64];
        for (int l = 0; l < lanes; ++l) {
          const int64_t k = c0 + l;
          prod[l] = k < t1 ? round_to(acc, wr[size_t(k)] * xr[size_t(k)]) : 0.0f;
        }
        if (cfg.lane_reduce) {
          // Pairwise adder tree over the lanes, each adder in the accumulate dtype.
          for (int width = lanes; width > 1; width = (width + 1) / 2) {
            for (int l = 0; l < width / 2; ++l) {
              prod[l] = round_to(acc, prod[2 * l] + prod[2 * l + 1]);
            }
            if (width % 2) prod[width / 2] = prod[width - 1];
          }
          unit = round_to(acc, unit + prod[0]);
        } else {
          for (int l = 0; l < lanes; ++l) {
            part[size_t(l)] = round_to(acc, part[size_t(l)] + prod[l]);
          }
        }
      }
      if (cfg.lane_reduce) {
        host += round_to(cfg.result, unit);
      } else {
        for (int l = 0; l < lanes; ++l) host += round_to(cfg.result, part[size_t(l)]);
      }
    }
    y[i] = host;
  }
}

const char* eltwise_op_name(EltwiseOp op) {
  return op == EltwiseOp::kAdd ? "Add" : "Mul";
}

void pim_eltwise_numerics(const PimConfig& cfg, EltwiseOp op, const float* a, const float* b,
                          int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float x = round_to(cfg.input, a[i]), z = round_to(cfg.input, b[i]);
    y[i] = round_to(cfg.input, round_to(cfg.accum, op == EltwiseOp::kAdd ? x + z : x * z));
  }
}

}  // namespace nuri::sim::pim
