// Built-in PIM presets (embedded JSON). Each names its plain-DRAM baseline preset.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "nuri/error.hpp"
#include "simulator/pim/pim_config.h"

namespace nuri::sim::pim {
namespace {

// HBM-PIM (Samsung FIMDRAM / Aquabolt-XL): Kwon et al., ISSCC 2021 paper 25.4 "A 20nm 6GB
// Function-In-Memory DRAM, Based on HBM2 with a 1.2TFLOPS Programmable Computing Unit Using
// Bank-Level Parallelism"; Lee et al., ISCA 2021 "Hardware Architecture and Software Stack for
// PIM Based on Commercial DRAM Technology". One PCU per two banks, 16-lane FP16 SIMD, PCU at
// 300 MHz = one all-bank MAC per tCCD_L (4 tCK at 1.2 GHz, 2.4 Gb/s HBM2); CRF 32 x 32-bit
// (128 B), GRF 16 x 256-bit (8 GRF_A + 8 GRF_B), SRF 16 x 16-bit. Base DRAM: our HBM2 preset
// (16 pseudo-channels x 16 banks -> 128 PCUs). Peak 128 x 16 lanes x 2 flop x 0.3 GHz =
// 1.229 TFLOPS, the paper's 1.2 TFLOPS. We give every pseudo-channel PCUs (the paper's stack
// mixes PIM and plain dies); accumulation is FP16 in GRF_B (the PCU is an FP16 unit).
// mac_pj 1.5: estimate, ~Horowitz ISSCC 2014 45 nm FP16 mul (1.1 pJ) + add (0.4 pJ).
// all_bank_act broadcast: in all-bank mode one ACT to the even (odd) bank opens the even (odd)
// bank of every pair (Samsung's public PIMSimulator, src/Rank.cpp: AB-mode commands apply to
// every bank of the addressed parity), so a row switch is two ACT commands.
// eltwise_cols 16: the ADD/MUL kernel fills GRF_A (8 x 256-bit) from the even bank and GRF_B
// (8 x 256-bit) from the odd bank, 16 columns per step (the register split of Lee et al. ISCA
// 2021; Samsung's public PIMSimulator runs the two banks in separate steps).
constexpr const char* kHbmPim = R"json({
  "name": "HBM-PIM",
  "source": "Kwon et al. ISSCC 2021 (25.4); Lee et al. ISCA 2021; base DRAM = HBM2 preset",
  "dram": {"preset": "HBM2"},
  "banks_per_unit": 2, "lanes": 16, "input": "f16", "accum": "f16", "result": "f16",
  "lane_reduce": false, "schedule": "rows_outer", "mac_interval_tck": 4,
  "vector_elems": 128, "acc_rows": 8, "crf_bytes": 128, "mode_switch_by_act": true,
  "all_bank_act": "broadcast",
  "grf_entries": 16, "srf_entries": 16, "eltwise_cols": 16, "mac_pj": 1.5
})json";

// HBM-PIM as Samsung's public PIMSimulator runs it (github.com/SAITPublic/PIMSimulator, the
// PIMBench GEMV: ini/HBM2_samsung_2M_16B_x64.ini, system_hbm_64ch.ini, src/tests/PIMKernel.cpp):
// the HBM-PIM units (8 PIM blocks per pseudo-channel = one per 2 banks, 16 FP16 lanes, GRF_A /
// GRF_B 8 x 256-bit each, a MAC per tCCD_L) on its 64-pseudo-channel HBM2 at CK 1 GHz (DRAM
// preset HBM2-PIMSim), GEMVs mapped as its kernel maps them (gemv_mapping reference). For
// reproducing its figures; HBM-PIM is the device preset.
constexpr const char* kHbmPimSim = R"json({
  "name": "HBM-PIM-PIMSim",
  "source": "SAITPublic/PIMSimulator (HBM2 ini + 64-channel system ini, PIMKernel.cpp GEMV); units as HBM-PIM (Kwon et al. ISSCC 2021)",
  "dram": {"preset": "HBM2-PIMSim"},
  "banks_per_unit": 2, "lanes": 16, "input": "f16", "accum": "f16", "result": "f16",
  "lane_reduce": false, "schedule": "rows_outer", "mac_interval_tck": 4,
  "vector_elems": 128, "acc_rows": 8, "crf_bytes": 32, "mode_switch_by_act": true,
  "all_bank_act": "broadcast", "gemv_mapping": "reference",
  "grf_entries": 16, "srf_entries": 16, "eltwise_cols": 16, "mac_pj": 1.5
})json";

// AttAcc (Park et al., ASPLOS 2024; github.com/scale-snu/attacc_simulator): HBM3-PIM for decode
// attention on DRAM preset HBM3-AttAcc (16 ch x 2 PCs x 2 SIDs x 16 banks). 16 FP16 lanes per
// unit (n_mac = 16, a 32 B column per MAC), adder-tree GEMV (lane_reduce). Variants by where
// the units sit: AttAcc-bank a unit per bank, MACAB every nCCDAB = 6 tCK; AttAcc-BG a unit per
// bank group MACing its 4 banks in turn, every nCCDSB = 6 tCK; AttAcc-buffer a unit per
// pseudo-channel on the buffer die, fed a column per nBL = 2 tCK. Power cap: AttAcc's
// HBM3_5.2Gbps preset raises nCCDAB/nCCDSB from 4 (its _NPC preset, no cap) to 6 so that the
// activation + read power of all-bank MACs stays within the HBM3 budget (README "Power cap");
// mac_interval_tck carries it (4 = uncapped). Accumulation f32 (our assumption), results f16.
// attention "attacc": decode attention placed as AttAcc places it (simulator/pim/pim_attacc.h).
constexpr const char* kAttAccBank = R"json({
  "name": "AttAcc-bank",
  "source": "Park et al. ASPLOS 2024 (AttAcc); scale-snu/attacc_simulator HBM3-PIM.cpp (power-capped nCCDAB/nCCDSB) and gen_trace_attacc_*.py",
  "dram": {"preset": "HBM3-AttAcc"},
  "banks_per_unit": 1, "lanes": 16, "input": "f16", "accum": "f32", "result": "f16",
  "lane_reduce": true, "schedule": "rows_outer", "mac_interval_tck": 6,
  "vector_elems": 128, "acc_rows": 1, "crf_bytes": 0, "mode_switch_by_act": false,
  "all_bank_act": "broadcast", "attention": "attacc",
  "grf_entries": 0, "srf_entries": 0, "eltwise_cols": 0, "mac_pj": 1.5
})json";
constexpr const char* kAttAccBg = R"json({
  "name": "AttAcc-BG",
  "source": "Park et al. ASPLOS 2024 (AttAcc); scale-snu/attacc_simulator HBM3-PIM.cpp (power-capped nCCDAB/nCCDSB) and gen_trace_attacc_*.py",
  "dram": {"preset": "HBM3-AttAcc"},
  "banks_per_unit": 4, "lanes": 16, "input": "f16", "accum": "f32", "result": "f16",
  "lane_reduce": true, "schedule": "rows_outer", "mac_interval_tck": 6,
  "vector_elems": 128, "acc_rows": 1, "crf_bytes": 0, "mode_switch_by_act": false,
  "all_bank_act": "broadcast", "attention": "attacc",
  "grf_entries": 0, "srf_entries": 0, "eltwise_cols": 0, "mac_pj": 1.5
})json";
constexpr const char* kAttAccBuffer = R"json({
  "name": "AttAcc-buffer",
  "source": "Park et al. ASPLOS 2024 (AttAcc); scale-snu/attacc_simulator HBM3-PIM.cpp (power-capped nCCDAB/nCCDSB) and gen_trace_attacc_*.py",
  "dram": {"preset": "HBM3-AttAcc"},
  "banks_per_unit": 32, "lanes": 16, "input": "f16", "accum": "f32", "result": "f16",
  "lane_reduce": true, "schedule": "rows_outer", "mac_interval_tck": 2,
  "vector_elems": 128, "acc_rows": 1, "crf_bytes": 0, "mode_switch_by_act": false,
  "all_bank_act": "broadcast", "attention": "attacc",
  "grf_entries": 0, "srf_entries": 0, "eltwise_cols": 0, "mac_pj": 1.5
})json";

// GDDR6-AiM (SK hynix): Kwon et al., ISSCC 2022 "A 1ynm 1.25V 8Gb 16Gb/s/pin GDDR6-based
// Accelerator-in-Memory supporting 1TFLOPS MAC Operation and Various Activation Functions for
// Deep Learning Applications" (JSSC 2023 extended version); Lee et al., Hot Chips 2022 "System
// Architecture and Software Stack for GDDR6-AiM". One processing unit per bank (2 ch x 16 banks
// = 32), 16 bf16 multipliers + adder tree, MAC at 1 GHz (every 2 tCK of the 2 GHz CK), 2 KB
// global buffer per channel holding the broadcast vector (1024 bf16). Peak 32 x 16 x 2 x 1 GHz
// = 1.024 TFLOPS. Accumulator precision is our assumption (f32), result read out as bf16 (one
// 32 B burst returns 16 banks' results). all_bank_act broadcast: ACT16 opens all 16 banks in one
// command (ISSCC 2022 command set; timed as in the public AiM simulator on Ramulator 2.0,
// github.com/arkhadem/aim_simulator: ACT16->MAC16 tRCD, ACT16->ACT16 tRRD_L). Base DRAM: our
// GDDR6 preset. eltwise_cols 0: AiM's
// command set has an element-wise multiply (EWMUL) but its addition runs in the controller's
// registers, not in the banks; we model neither, so elementwise ops stay on the host.
constexpr const char* kAim = R"json({
  "name": "AiM",
  "source": "Kwon et al. ISSCC 2022 / JSSC 2023 (GDDR6-AiM); Lee et al. Hot Chips 2022; base DRAM = GDDR6 preset",
  "dram": {"preset": "GDDR6"},
  "banks_per_unit": 1, "lanes": 16, "input": "bf16", "accum": "f32", "result": "bf16",
  "lane_reduce": true, "schedule": "tile_outer", "mac_interval_tck": 2,
  "vector_elems": 1024, "acc_rows": 1, "crf_bytes": 0, "mode_switch_by_act": false,
  "all_bank_act": "broadcast",
  "grf_entries": 0, "srf_entries": 0, "eltwise_cols": 0, "mac_pj": 1.5
})json";

const std::map<std::string, const char*>& presets() {
  static const std::map<std::string, const char*> m = {
      {"HBM-PIM", kHbmPim},         {"HBM-PIM-PIMSim", kHbmPimSim}, {"AiM", kAim},
      {"AttAcc-bank", kAttAccBank}, {"AttAcc-BG", kAttAccBg},       {"AttAcc-buffer", kAttAccBuffer}};
  return m;
}

}  // namespace

PimConfig PimConfig::preset(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    throw Error("pim: unknown preset '" + name +
                "' (known: AiM, AttAcc-bank, AttAcc-BG, AttAcc-buffer, HBM-PIM, HBM-PIM-PIMSim)");
  }
  return from_json(nlohmann::json::parse(it->second), "pim preset " + name);
}

std::vector<std::string> PimConfig::preset_names() {
  std::vector<std::string> n;
  for (const auto& [k, v] : presets()) n.push_back(k);
  return n;
}

}  // namespace nuri::sim::pim
