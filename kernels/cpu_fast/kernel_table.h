// The function table each ISA variant (ops_<isa>.cpp) fills; dispatch.cpp forwards to one.
#pragma once

#include "kernels/cpu_fast/fast_attention.h"
#include "kernels/cpu_fast/fast_gemv.h"
#include "kernels/cpu_fast/fast_ops.h"

namespace nuri::cpu::fast {

struct KernelTable {
  void (*softmax_rows)(const float*, float*, int64_t, int64_t, bool);
  void (*layer_norm_rows)(const float*, const float*, const float*, float*, int64_t, int64_t, float,
                          bool);
  void (*rms_norm_rows)(const float*, const float*, float*, int64_t, int64_t, float, bool);
  void (*activation)(Activation, const float*, float*, int64_t, bool);
  void (*binary_rows)(Binary, const float*, const float*, int64_t, float*, int64_t, int64_t);
  void (*binary_scalar)(Binary, const float*, float, float*, int64_t);
  void (*f32_to_bf16)(const float*, uint16_t*, int64_t);
  void (*attention_task)(const AttentionArgs&, int64_t, float*);
  void (*stream_copy_f32)(const float*, float*, int64_t);
  float (*fma_chains)(int64_t);
  void (*gemv)(const GemvArgs&, int64_t, int64_t);
  float (*sum_f32)(const float*, int64_t);
};

const KernelTable& kernel_table_generic();
const KernelTable& kernel_table_avx2();
const KernelTable& kernel_table_avx512();

}  // namespace nuri::cpu::fast
