#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "nuri/error.hpp"
#include "simulator/npu/config.h"

namespace nuri::sim::npu {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(NpuConfig, TpuV1PresetMatchesPaper) {
  NpuConfig c = preset_config("tpu-v1");
  EXPECT_EQ(c.array.rows, 256u);
  EXPECT_EQ(c.array.cols, 256u);
  EXPECT_DOUBLE_EQ(c.clock_mhz, 700.0);
  EXPECT_EQ(c.spm.size_bytes, 24ull << 20);
  EXPECT_DOUBLE_EQ(c.memory.aggregate_gbps(), 34.0);
  EXPECT_TRUE(c.supports(DType::I8));
  EXPECT_FALSE(c.supports(DType::BF16));
  // 65536 MACs x 0.7 GHz x 2 ops = 91.75 TOPS, the paper's 92 TOPS peak.
  EXPECT_NEAR(c.peak_macs_per_cycle() * c.clock_ghz() * 2 / 1000.0, 91.75, 0.01);
}

TEST(NpuConfig, LargePresetPeakMatchesPublicFigure) {
  NpuConfig c = preset_config("rngd-like");
  // 8 cores x 128 x 128 x 1 GHz x 2 = 262 TFLOPS ~ RNGD's 256 TFLOPS BF16 (within 3%).
  EXPECT_NEAR(c.peak_macs_per_cycle() * c.clock_ghz() * 2 / 1000.0, 256.0, 256 * 0.03);
  EXPECT_DOUBLE_EQ(c.memory.aggregate_gbps(), 1536.0);
  NpuConfig m = preset_config("atom-like");
  EXPECT_NEAR(m.peak_macs_per_cycle() * m.clock_ghz() * 2 / 1000.0, 32.0, 32 * 0.03);
  EXPECT_DOUBLE_EQ(m.memory.aggregate_gbps(), 256.0);
}

TEST(NpuConfig, JsonRoundTripAndFile) {
  for (const auto& name : preset_names()) {
    NpuConfig c = preset_config(name);
    nlohmann::json j = config_to_json(c);
    EXPECT_EQ(config_to_json(config_from_json(j)), j) << name;
  }
  {  // the optional keys: input-stationary, SCALE-Sim compatibility, fixed tiles
    nlohmann::json o = config_to_json(preset_config("tpu-v1"));
    o["array"]["dataflow"] = "input_stationary";
    o["compat"] = "scale-sim";
    o["tiling"] = {{"tile_m", 512}, {"tile_k", 256}};
    NpuConfig c = config_from_json(o);
    EXPECT_EQ(c.array.dataflow, Dataflow::InputStationary);
    EXPECT_EQ(c.compat, Compat::ScaleSim);
    EXPECT_EQ(c.tiling.tile_m, 512u);
    EXPECT_EQ(c.tiling.tile_n, 0u);
    EXPECT_EQ(c.tiling.tile_k, 256u);
    EXPECT_EQ(config_to_json(config_from_json(config_to_json(c))), config_to_json(c));
  }
  const std::string path = ::testing::TempDir() + "npu_cfg_test.json";
  nlohmann::json j = config_to_json(preset_config("atom-like"));
  j["name"] = "from-file";
  j["memory"] = "lpddr5";  // a memory preset name is accepted in place of the object
  std::ofstream(path) << j.dump();
  NpuConfig f = load_config(path);
  EXPECT_EQ(f.name, "from-file");
  EXPECT_DOUBLE_EQ(f.memory.aggregate_gbps(), 51.2);
  std::remove(path.c_str());
}

TEST(NpuConfig, ErrorsNameTheField) {
  const nlohmann::json base = config_to_json(preset_config("rngd-like"));
  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = base;
    edit(j);
    return error_of([&] { config_from_json(j); });
  };
  EXPECT_NE(with([](auto& j) { j["array"]["rows"] = 0; }).find("npu.array.rows"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["array"]["cols"] = 0; }).find("npu.array.cols"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["spm"]["size_bytes"] = 1000; }).find("npu.spm.size_bytes"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["acc"]["size_bytes"] = 16; }).find("npu.acc.size_bytes"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["array"]["wibble"] = 1; }).find("npu.array.wibble: unknown key"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j.erase("clock_mhz"); }).find("npu.clock_mhz: missing field"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["dma"].erase("engines"); }).find("npu.dma.engines"),
            std::string::npos);
  EXPECT_NE(
      with([](auto& j) { j["vector"]["op_cycles"].erase("exp"); }).find("npu.vector.op_cycles.exp"),
      std::string::npos);
  EXPECT_NE(with([](auto& j) { j["array"]["dataflow"] = "row"; }).find("npu.array.dataflow"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["compat"] = "scalesim"; }).find("npu.compat"), std::string::npos);
  EXPECT_NE(with([](auto& j) { j["compat"] = "scale-sim"; }).find("npu.compat"),  // 8 cores
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["tiling"]["tile_q"] = 8; }).find("npu.tiling.tile_q"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["clock_mhz"] = "fast"; }).find("npu.clock_mhz"),
            std::string::npos);
  EXPECT_NE(with([](auto& j) { j["memory"] = "sram9"; }).find("unknown memory preset"),
            std::string::npos);
  EXPECT_NE(error_of([] { preset_config("tpu-v9"); }).find("unknown preset 'tpu-v9'"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_config("/nonexistent/x.json"); }).find("cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace nuri::sim::npu
