// The heterogeneous validation bench's configurations (bench/validation/*.json) parse to the
// peaks of the systems they stand for (README "Heterogeneous validation"), derived by hand.
#include <gtest/gtest.h>

#include <string>

#include "simulator/npu/config.h"
#include "simulator/pim/pim_config.h"

namespace {

std::string config(const char* name) {
  return std::string(NURI_VALIDATION_CONFIGS) + "/" + name;
}

TEST(ValidationConfigs, NeuPimsNpuHasItsArraysClockAndBandwidth) {
  // 8 arrays x 128 x 128 MACs at 1 GHz = 131.072 T MAC/s; 32 HBM2 channels x 32 GB/s.
  const auto c = nuri::sim::npu::load_config(config("neupims_npu.json"));
  EXPECT_EQ(c.peak_macs_per_cycle(), 8u * 128 * 128);
  EXPECT_DOUBLE_EQ(c.clock_mhz, 1000.0);
  EXPECT_DOUBLE_EQ(c.memory.aggregate_gbps(), 1024.0);
}

TEST(ValidationConfigs, A100aLikeNpuHasAttAccsA100aPeakAndBandwidth) {
  // 8 x 16384 MACs x 2 flops x 1.19 GHz = 311.9 TFLOPS (AttAcc A100a: 312); 80 x 41.9 GB/s.
  const auto c = nuri::sim::npu::load_config(config("a100a_like_npu.json"));
  const double tflops = double(c.peak_macs_per_cycle()) * 2 * c.clock_mhz * 1e6 / 1e12;
  EXPECT_NEAR(tflops, 312.0, 0.5);
  EXPECT_NEAR(c.memory.aggregate_gbps(), 3352.0, 1e-9);
}

TEST(ValidationConfigs, NeuPimsPimHasAUnitPerBankOfItsHbm2) {
  // 32 channels x 2 PCs x 16 banks = 1024 units (NeuPIMs: 32 channels x 32 banks), 16 lanes,
  // a MAC every 4 tCK of 1 ns: 1024 x 16 x 2 / 4 = 8192 GFLOP/s; AttAcc placement.
  const auto c = nuri::sim::pim::PimConfig::load_file(config("neupims_pim.json"));
  EXPECT_EQ(c.dram.org.channels, 32);
  EXPECT_EQ(c.dram.org.units() * c.dram.org.banks(), 1024);
  EXPECT_DOUBLE_EQ(c.peak_gflops(), 8192.0);
  EXPECT_EQ(c.attention, nuri::sim::pim::AttentionMapping::kAttAcc);
}

}  // namespace
