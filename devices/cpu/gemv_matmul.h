// A few-row MatMul/Gemm against constant weights (the decode step's) on the panel GEMV kernels
// (kernels/cpu_fast/fast_gemv.h) instead of oneDNN: the weights are packed once, f32 or int8
// weight-only with one f32 scale per output column, and each panel is streamed once per run.
// The spec's bias, activation and addend follow per panel, in the order of oneDNN's post-ops.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "devices/cpu/onednn_matmul.h"
#include "devices/cpu/thread_pool.h"

namespace nuri::cpu {

class GemvMatmul {
 public:
  // More rows than this re-read each panel from cache per row: a blocked GEMM (oneDNN) wins.
  static constexpr int64_t kMaxRows = 4;

  // Null when the spec does not fit: 2-D, constant B, row-major A of at most kMaxRows rows, an
  // addend of the output's own shape (or none).
  static std::unique_ptr<GemvMatmul> create(const MatmulSpec& spec, bool int8);

  bool int8() const { return !w_s8_.empty(); }
  // Bytes of weights (and scales) one run reads.
  int64_t weight_bytes() const;
  void execute(ThreadPool& pool, const float* a, const float* addend, float* out) const;

 private:
  GemvMatmul() = default;

  int64_t m_ = 0, k_ = 0, n_ = 0;
  std::vector<float> w_f32_, scales_, bias_;
  std::vector<int8_t> w_s8_;
  MatmulActivation activation_ = MatmulActivation::None;
};

}  // namespace nuri::cpu
