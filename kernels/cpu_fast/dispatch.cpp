// Public entry points: forward to the active ISA variant's table.
#include <algorithm>
#include <chrono>

#include "kernels/cpu_fast/isa.h"
#include "kernels/cpu_fast/kernel_table.h"

namespace nuri::cpu::fast {
namespace {

const KernelTable& table() {
  switch (active_isa()) {
    case Isa::Avx512:
      return kernel_table_avx512();
    case Isa::Avx2:
      return kernel_table_avx2();
    case Isa::Generic:
      break;
  }
  return kernel_table_generic();
}

constexpr int64_t kQBlock = 128;  // must match attention_impl.inc
constexpr int64_t kQk = 8;
constexpr int64_t kDirectRows = 2;  // must match attention_impl.inc

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols, bool streaming) {
  table().softmax_rows(x, y, rows, cols, streaming);
}
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                     int64_t cols, float eps, bool streaming) {
  table().layer_norm_rows(x, gamma, beta, y, rows, cols, eps, streaming);
}
void rms_norm_rows(const float* x, const float* gamma, float* y, int64_t rows, int64_t cols,
                   float eps, bool streaming) {
  table().rms_norm_rows(x, gamma, y, rows, cols, eps, streaming);
}
void activation(Activation act, const float* x, float* y, int64_t n, bool streaming) {
  table().activation(act, x, y, n, streaming);
}
void binary_rows(Binary op, const float* a, const float* b, int64_t b_row_stride, float* y,
                 int64_t rows, int64_t cols) {
  table().binary_rows(op, a, b, b_row_stride, y, rows, cols);
}
void binary_scalar(Binary op, const float* a, float s, float* y, int64_t n) {
  table().binary_scalar(op, a, s, y, n);
}
void f32_to_bf16(const float* x, uint16_t* y, int64_t n) {
  table().f32_to_bf16(x, y, n);
}
void stream_copy_f32(const float* x, float* y, int64_t n) {
  table().stream_copy_f32(x, y, n);
}
void gemv(const GemvArgs& args, int64_t p0, int64_t p1) {
  table().gemv(args, p0, p1);
}
float sum_f32(const float* x, int64_t n) {
  return table().sum_f32(x, n);
}

double measure_f32_flops_per_core() {
  // The widest variant, whatever a test selected: the peak is the hardware's.
  const Isa isa = detected_isa();
  const KernelTable& t = isa == Isa::Avx512 ? kernel_table_avx512()
                         : isa == Isa::Avx2 ? kernel_table_avx2()
                                            : kernel_table_generic();
  constexpr int64_t kIters = 20000;
  constexpr double kFlops = kIters * 12.0 * 16 * 2;  // chains x lanes x (mul + add)
  double best_s = 0;
  volatile float sink = 0;
  t.fma_chains(kIters / 10);  // warm up (clock ramp, page in the code)
  for (int trial = 0; trial < 5; ++trial) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sink + t.fma_chains(kIters);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (trial == 0 || s < best_s) best_s = s;
  }
  return best_s > 0 ? kFlops / best_s : 0;
}

int64_t attention_tasks(const AttentionArgs& a) {
  return a.batch * a.q_heads * ((a.q_len + kQBlock - 1) / kQBlock);
}
int64_t attention_scratch_floats(const AttentionArgs& a) {
  const int64_t tpad = (a.kv_len + 15) / 16 * 16;
  // The tiled path's transposed keys and score rows, or the direct path's scores and sums.
  return std::max((a.head_dim + kQk) * tpad, tpad + a.v_head_dim);
}
void attention_task(const AttentionArgs& a, int64_t task, float* scratch) {
  table().attention_task(a, task, scratch);
}
bool attention_copies_cache(const AttentionArgs& a) {
  return a.q_len <= kDirectRows;
}

}  // namespace nuri::cpu::fast
