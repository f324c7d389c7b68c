#include "devices/npu/shared_gemm_plans.h"

namespace nuri::npu {

GemmPlan SharedGemmPlans::get(const sim::NpuConfig& cfg, const GemmSpec& s) {
  const Key key{s.m,
                s.n,
                s.k,
                static_cast<int>(s.dtype),
                static_cast<int>(s.out_dtype),
                s.a_addr,
                s.b_addr,
                s.c_addr,
                s.lda,
                s.ldb,
                s.ldc,
                s.transpose_b,
                s.has_bias,
                s.bias_addr,
                static_cast<int>(s.act)};
  {
    const std::lock_guard lock(mu_);
    if (auto it = plans_.find(key); it != plans_.end()) return it->second;
  }
  const GemmPlan plan = plan_gemm(cfg, s);  // searched unlocked: other compiles go on
  const std::lock_guard lock(mu_);
  return plans_.emplace(key, plan).first->second;
}

}  // namespace nuri::npu
