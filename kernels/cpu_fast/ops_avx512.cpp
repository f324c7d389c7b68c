// The avx512 variant: the shared sources compiled with this file's target flags (CMakeLists).
#define NURI_FAST_NS isa_avx512
// Order matters: the vector helpers first, then the kernels using them, then the table.
#include "kernels/cpu_fast/impl/ops_impl.inc"
// (attention uses the helpers above)
#include "kernels/cpu_fast/impl/attention_impl.inc"
// (the GEMV kernels use them too)
#include "kernels/cpu_fast/impl/gemv_impl.inc"
// (the table names every kernel above)
#include "kernels/cpu_fast/impl/table_impl.inc"

namespace nuri::cpu::fast {
const KernelTable& kernel_table_avx512() {
  return isa_avx512::table();
}
}  // namespace nuri::cpu::fast
