// Public entry points: forward to the active ISA variant's table.
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

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols) {
  table().softmax_rows(x, y, rows, cols);
}
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* y, int64_t rows,
                     int64_t cols, float eps) {
  table().layer_norm_rows(x, gamma, beta, y, rows, cols, eps);
}
void rms_norm_rows(const float* x, const float* gamma, float* y, int64_t rows, int64_t cols,
                   float eps) {
  table().rms_norm_rows(x, gamma, y, rows, cols, eps);
}
void activation(Activation act, const float* x, float* y, int64_t n) {
  table().activation(act, x, y, n);
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

int64_t attention_tasks(const AttentionArgs& a) {
  return a.batch * a.q_heads * ((a.q_len + kQBlock - 1) / kQBlock);
}
int64_t attention_scratch_floats(const AttentionArgs& a) {
  const int64_t tpad = (a.kv_len + 15) / 16 * 16;
  return (a.head_dim + kQk) * tpad;
}
void attention_task(const AttentionArgs& a, int64_t task, float* scratch) {
  table().attention_task(a, task, scratch);
}

}  // namespace nuri::cpu::fast
