// The GEMM plans an npu device's compiles share are exactly what a fresh search gives, for the
// very spec asked (another address is another spec: the search simulates at the addresses).
#include <gtest/gtest.h>

#include "devices/npu/shared_gemm_plans.h"
#include "simulator/npu/config.h"

namespace nuri::npu {
namespace {

bool same(const GemmPlan& a, const GemmPlan& b) {
  return a.tile_m == b.tile_m && a.tile_n == b.tile_n && a.tile_k == b.tile_k &&
         a.n_outer == b.n_outer && a.split_m == b.split_m && a.split_n == b.split_n &&
         a.dram_bytes == b.dram_bytes && a.est_cycles == b.est_cycles;
}

TEST(SharedGemmPlans, GiveWhatAFreshSearchGives) {
  const sim::NpuConfig cfg = sim::load_config("atom-like");
  GemmSpec s;
  s.m = 128, s.n = 512, s.k = 384;
  s.a_addr = 0, s.b_addr = 1 << 20, s.c_addr = 2 << 20;
  SharedGemmPlans shared;
  const GemmPlan first = shared.get(cfg, s);
  EXPECT_TRUE(same(first, plan_gemm(cfg, s)));
  EXPECT_TRUE(same(shared.get(cfg, s), first));  // the stored plan
  GemmSpec moved = s;
  moved.c_addr = 3 << 20;
  EXPECT_TRUE(same(shared.get(cfg, moved), plan_gemm(cfg, moved)));
  EXPECT_GT(first.est_cycles, 0u);
}

}  // namespace
}  // namespace nuri::npu
