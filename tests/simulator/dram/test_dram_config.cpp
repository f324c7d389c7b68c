#include <gtest/gtest.h>

#include <string>

#include "nuri/error.hpp"
#include "simulator/dram/dram_config.h"

using nuri::Error;
using nuri::sim::dram::dram_preset_json;
using nuri::sim::dram::DramConfig;

namespace {
std::string error_of(const nlohmann::json& j) {
  try {
    DramConfig::from_json(j, "cfg");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
nlohmann::json base() {
  return nlohmann::json::parse(dram_preset_json("HBM2"));
}
}  // namespace

TEST(DramConfig, PresetsLoadAndPeakMatchesDatasheetFigure) {
  // Peak = units * burst bytes / (burst tCK * tCK): HBM2 16 * 32 / (2 * 0.8333) = 307.2 GB/s,
  // HBM3 32 * 32 / (4 * 0.3125) = 819.2, GDDR6 2 * 32 / (2 * 0.5) = 64, LPDDR5 4 * 32 / 2.5.
  EXPECT_NEAR(DramConfig::preset("HBM2").peak_bytes_per_ns(), 307.2, 1e-6);
  EXPECT_NEAR(DramConfig::preset("HBM3").peak_bytes_per_ns(), 819.2, 1e-6);
  EXPECT_NEAR(DramConfig::preset("GDDR6").peak_bytes_per_ns(), 64.0, 1e-9);
  EXPECT_NEAR(DramConfig::preset("LPDDR5").peak_bytes_per_ns(), 51.2, 1e-9);
  for (const auto& n : DramConfig::preset_names())
    EXPECT_FALSE(DramConfig::preset(n).source.empty());
}

TEST(DramConfig, RoundTripsThroughJson) {
  DramConfig a = DramConfig::preset("GDDR6");
  DramConfig b = DramConfig::from_json(a.to_json());
  EXPECT_EQ(a.to_json(), b.to_json());
  EXPECT_EQ(DramConfig::from_json({{"preset", "LPDDR5"}}).name, "LPDDR5");
}

TEST(DramConfig, ErrorsNameTheField) {
  auto j = base();
  j["timing"]["tRCDX"] = 3;
  EXPECT_NE(error_of(j).find("cfg.timing.tRCDX: unknown key"), std::string::npos);
  j = base();
  j["timing"].erase("tRCD");
  EXPECT_NE(error_of(j).find("cfg.timing.tRCD: missing"), std::string::npos);
  j = base();
  j["org"]["rows"] = 0;
  EXPECT_NE(error_of(j).find("cfg.org.rows"), std::string::npos);
  j = base();
  j["org"]["channels"] = -2;
  EXPECT_NE(error_of(j).find("cfg.org.channels"), std::string::npos);
  j = base();
  j["timing"]["tck_ns"] = 0;
  EXPECT_NE(error_of(j).find("cfg.timing.tck_ns"), std::string::npos);
  j = base();
  j["bogus"] = 1;
  EXPECT_NE(error_of(j).find("cfg.bogus: unknown key"), std::string::npos);
  EXPECT_THROW(DramConfig::preset("DDR9"), Error);
  EXPECT_THROW(DramConfig::load_file("/nonexistent/dram.json"), Error);
}

TEST(DramConfig, PerBankRefreshIsReadCheckedAndRoundTrips) {
  auto j = DramConfig::preset("HBM3").to_json();
  EXPECT_EQ(j["timing"]["refresh"], "all_bank");  // the presets refresh all banks by default
  j["timing"]["refresh"] = "per_bank";
  const DramConfig c = DramConfig::from_json(j, "cfg");
  EXPECT_TRUE(c.t.per_bank_refresh);
  EXPECT_EQ(c.t.tRFCsb, 512);  // 160 ns at tCK 0.3125 ns
  EXPECT_EQ(DramConfig::from_json(c.to_json()).to_json(), c.to_json());
  j["timing"]["refresh"] = "sometimes";
  EXPECT_NE(error_of(j).find("cfg.timing.refresh: expected \"all_bank\" or \"per_bank\""),
            std::string::npos);
  j["timing"]["refresh"] = "per_bank";
  j["timing"].erase("tRFCsb");
  EXPECT_NE(error_of(j).find("cfg.timing.tRFCsb: per-bank refresh needs a positive tRFCsb"),
            std::string::npos);
  j["timing"]["tRFCsb"] = 100000;  // longer than tREFI / banks = 12480 / 16 = 780
  EXPECT_NE(error_of(j).find("cfg.timing.tRFCsb: must be shorter than tREFI / banks (780 tCK)"),
            std::string::npos);
}
