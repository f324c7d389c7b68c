// The PIM elementwise kernel (c = a + b, a * b): cycles derived by hand, numerics against an
// independent rounding of the same arithmetic, the internal-bandwidth roofline and the baseline.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/half.h"
#include "nuri/error.hpp"
#include "simulator/pim/pim_eltwise.h"

using namespace nuri::sim::pim;

TEST(PimEltwise, OneStepCyclesByHand) {
  // AiM's timing (GDDR6, tCK 0.5 ns: tRCD 26, tRP 26, tRAS 54, tRC 80, tRTP 4, CWL 6, burst 2,
  // tWR 30, MAC every 2 tCK, ACT16) with a 16-column elementwise step, one step:
  //   mode WRs at 0 and 2; ACT16 (a) at 2; FILL at 28..58 (16 x 2); PREA at
  //   max(2 + tRAS, 58 + tRTP) = 62; ACT16 (b) at max(62 + tRP, 2 + tRC) = 88; ADD at 114..144;
  //   PREA at max(88 + 54, 148) = 148; ACT16 (c) at max(174, 168) = 174; stores at 200..230;
  //   PREA at max(174 + 54, 230 + CWL + burst + tWR = 268) = 268; mode WR at 268, last beat
  //   268 + 6 + 2 = 276.
  PimConfig c = PimConfig::preset("AiM");
  c.eltwise_cols = 16;
  const ChannelRun r = run_pim_eltwise_channel(c, 16, 100);
  EXPECT_EQ(r.end_tck, 276);
  EXPECT_EQ(r.counts.ab_act, 3u);
  EXPECT_EQ(r.counts.ab_pre, 3u);
  EXPECT_EQ(r.counts.mac, 32u);
  EXPECT_EQ(r.counts.bank_writes, 16u);
  EXPECT_EQ(r.counts.bank_acts, 48u);
  EXPECT_EQ(r.dram.bytes_read, 0u);  // no operand crosses the bus
}

TEST(PimEltwise, OneStepCyclesByHandOnHbmPim) {
  // HBM-PIM on HBM2 (tCK 1/1.2 ns: tRCD 17, tRP 17, tRAS 40, tRC 57, tRRD_L 6, tRTP 5, CWL 7,
  // burst 2, tWR 18, tCCD_S 2; MACs tCCD_L = 4 apart), one 16-column step:
  //   mode switch ACT bank 0 at 0, PRE at tRAS 40; second: ACT at max(40 + tRP, tRC) = 57, PRE
  //   97; CRF: 4 WR bursts at 97..103. Broadcast ACTs (even banks, then odd): 114 (bank 0's tRP
  //   and tRC), 120 (tRRD_L); FILL at 137 (odd banks' tRCD) .. 197; PREA at max(160, 197 + tRTP)
  //   = 202; ACTs at 219, 225; ADD at 242..302; PREA 307; ACTs 324, 330; stores 347..407; PREA at
  //   max(370, 407 + CWL 7 + burst 2 + tWR 18) = 434; mode switch ACT at 434 + tRP = 451, PRE at
  //   451 + tRAS = 491.
  const ChannelRun r = run_pim_eltwise_channel(PimConfig::preset("HBM-PIM"), 16, 100);
  EXPECT_EQ(r.end_tck, 491);
  EXPECT_EQ(r.counts.ab_act, 3u);
  EXPECT_EQ(r.counts.bank_acts, 3u * 16u + 3u);  // + the three mode-switch ACTs
  EXPECT_EQ(r.dram.cmds[size_t(nuri::sim::dram::Cmd::kAct)], 3u * 2u + 3u);
}

TEST(PimEltwise, NumericsAreTheUnitsF16Arithmetic) {
  PimEltwise e(PimConfig::preset("HBM-PIM"));
  const int64_t n = 5000;  // not a multiple of lanes x units: a ragged last column
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> d(-8.0f, 8.0f);
  std::vector<float> a(n), b(n);
  for (auto& v : a) v = d(rng);
  for (auto& v : b) v = d(rng);
  PimEltwiseOptions o;
  o.baseline = false;
  for (EltwiseOp op : {EltwiseOp::kAdd, EltwiseOp::kMul}) {
    const auto r = e.run(e.layout("a", n), op, a.data(), b.data(), o);
    ASSERT_EQ(r.y.size(), size_t(n));
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      // Independent: f16 inputs, exact double op, one f16 rounding of the result (the sum or
      // product of two f16 values is exact in f32, so f32 then f16 is the same single rounding).
      const double x = nuri::kernels::f16_to_f32(nuri::kernels::f32_to_f16(a[size_t(i)]));
      const double z = nuri::kernels::f16_to_f32(nuri::kernels::f32_to_f16(b[size_t(i)]));
      const double exact = op == EltwiseOp::kAdd ? x + z : x * z;
      const float want =
          nuri::kernels::f16_to_f32(nuri::kernels::f32_to_f16(static_cast<float>(exact)));
      ASSERT_EQ(r.y[size_t(i)], want) << eltwise_op_name(op) << " element " << i;
      worst = std::max(worst, std::fabs(r.y[size_t(i)] - exact));
    }
    EXPECT_GT(worst, 0.0);  // f16 rounding is real, not skipped
  }
}

TEST(PimEltwise, RooflineAndBaselineOnHbmPim) {
  PimEltwise e(PimConfig::preset("HBM-PIM"));
  PimEltwiseOptions o;
  o.functional = false;
  const int64_t n = int64_t(1) << 20;
  const auto r = e.run(e.layout("a", n), EltwiseOp::kAdd, nullptr, nullptr, o);
  const double bytes = 3.0 * double(n) * 2;  // a, b read and c written, f16
  const PimConfig& c = e.config();
  // Never faster than the banks' internal bandwidth; the baseline never faster than the bus.
  EXPECT_GE(r.ns, bytes / c.internal_bytes_per_ns()) << r.to_json().dump();
  EXPECT_GE(r.baseline.ns, bytes / c.dram.peak_bytes_per_ns());
  // The speedup cannot exceed internal / bus bandwidth (4x for HBM-PIM); every 16-column step
  // pays three row switches, so it is well below that. Measured 2.27x (README).
  EXPECT_LE(r.speedup, c.internal_bytes_per_ns() / c.dram.peak_bytes_per_ns());
  EXPECT_GT(r.speedup, 1.0) << r.to_json().dump();
  EXPECT_EQ(r.counts.mac, 2 * r.counts.bank_writes);
  // Bus traffic is only mode switches and the instruction buffer: no operand moves.
  EXPECT_LT(r.bus_bytes, 64u * 1024u);
}

TEST(PimEltwise, RefusedWhereTheConfigHasNoKernel) {
  PimEltwise e(PimConfig::preset("AiM"));
  EXPECT_FALSE(e.available());
  try {
    e.layout("hidden", 4096);
    FAIL() << "expected an error";
  } catch (const nuri::Error& ex) {
    EXPECT_NE(std::string(ex.what()).find("'hidden'"), std::string::npos) << ex.what();
    EXPECT_NE(std::string(ex.what()).find("no elementwise kernel"), std::string::npos);
  }
  nlohmann::json j = PimConfig::preset("HBM-PIM").to_json();
  j["eltwise_cols"] = 3;
  try {
    PimConfig::from_json(j, "cfg");
    FAIL() << "expected an error";
  } catch (const nuri::Error& ex) {
    EXPECT_NE(std::string(ex.what()).find("cfg.eltwise_cols"), std::string::npos) << ex.what();
  }
}
