// Built-in DRAM presets as embedded JSON, so no file path is needed at run time.
// Timing figures are integers in tCK of each preset's own command clock; the comment above each
// preset gives the nanosecond values they were rounded up from and where those come from.
// Energies are estimates (see simulator/dram/README.md, "Energy"), not datasheet values.
#include <map>
#include <string>

#include "nuri/error.hpp"
#include "simulator/dram/dram_config.h"

namespace nuri::sim::dram {
namespace {

// HBM2 at 2.4 Gb/s/pin (Samsung Aquabolt class, the base die of HBM-PIM): CK 1.2 GHz,
// tCK 0.833 ns. JESD235B pseudo-channel mode: 8 channels x 2 PCs, 64-bit PC, BL4 (32 B per
// burst = 2 tCK), 4 bank groups x 4 banks, 1 KB page. 16 PCs x 32 B / 1.667 ns = 307.2 GB/s
// (Aquabolt's quoted 307 GB/s). ns values: CL 14, tRCD 14, tRP 14, tRAS 33, tRC 47, tRRD_S 3.3,
// tRRD_L 5, tFAW 16, tWR 15, tWTR_S 2.5, tWTR_L 7.5, tRTP 4, tRFC 350 (8 Gb die), tREFI 3900;
// tCCD_S 2 / tCCD_L 4 tCK (tCCD_L = 4 tCK is what gives HBM-PIM's 300 MHz PCU rate, Kwon et al.
// ISSCC 2021). Array geometry per JESD235B; ns figures are the usual JESD235-class values also
// tabulated by Ramulator 2 / DRAMsim3 HBM2 configs.
constexpr const char* kHbm2 = R"json({
  "name": "HBM2",
  "source": "JESD235B HBM2 organization; 2.4 Gb/s Aquabolt-class timings (ns values rounded up to tCK at 1.2 GHz); energies are estimates (README)",
  "org": {"channels": 8, "pseudo_channels": 2, "bank_groups": 4, "banks_per_group": 4,
          "rows": 16384, "row_bytes": 1024, "bus_bits": 64, "burst_length": 4,
          "transfers_per_tck": 2},
  "timing": {"tck_ns": 0.8333333333333334, "CL": 17, "CWL": 7, "tRCD": 17, "tRP": 17,
             "tRAS": 40, "tRC": 57, "tCCD_S": 2, "tCCD_L": 4, "tRRD_S": 4, "tRRD_L": 6,
             "tFAW": 20, "tWR": 18, "tWTR_S": 3, "tWTR_L": 9, "tRTP": 5, "tRTW": 2,
             "tRFC": 420, "tREFI": 4680},
  "energy_pj": {"act_pj": 900, "array_rd_pj": 307, "array_wr_pj": 307, "io_pj": 512,
                "ref_pj": 28800}
})json";

// HBM2 as Samsung's public PIMSimulator configures it (github.com/SAITPublic/PIMSimulator,
// ini/HBM2_samsung_2M_16B_x64.ini + system_hbm_64ch.ini, the configuration of its PIMBench
// GEMV/eltwise figures): 64 independent pseudo-channels (4 stacks x 16), 64-bit PC, BL4
// (32 B per burst), 4 x 4 banks, 1 KB page (128 columns x 64 bit), 2 Gb/s pins -> CK 1 GHz
// (its tCK = 1; every ini timing is in CK cycles, copied unchanged): RL 20, WL 8, tRCDRD 14,
// tRCDWR 10, tRP 14, tRAS 33, tRC 47, tCCDS 2, tCCDL 4, tRRDS 4, tRRDL 6, tFAW 16 (XAW 4),
// tWR 16, tWTRS 4, tWTRL 9, tRTPL 5 (our tRTP, RD->PRE), tRTPS 4 (tRTP_S, RD->PREA), tRTRS 1 (our
// tRTW: RD->WR = RL + BL/2 + tRTRS - WL, the DRAMSim2 formula), tRFC 350, tREFI 3900. 64 x 32 B / 2
// ns = 1024 GB/s. Energies: our HBM2 estimates (the ini's IDD values are all 0).
constexpr const char* kHbm2PimSim = R"json({
  "name": "HBM2-PIMSim",
  "source": "SAITPublic/PIMSimulator ini/HBM2_samsung_2M_16B_x64.ini + system_hbm_64ch.ini (64 pseudo-channels, tCK 1 ns); energies are our HBM2 estimates (README)",
  "org": {"channels": 32, "pseudo_channels": 2, "bank_groups": 4, "banks_per_group": 4,
          "rows": 16384, "row_bytes": 1024, "bus_bits": 64, "burst_length": 4,
          "transfers_per_tck": 2},
  "timing": {"tck_ns": 1.0, "CL": 20, "CWL": 8, "tRCD": 14, "tRCD_WR": 10, "tRP": 14,
             "tRAS": 33, "tRC": 47, "tCCD_S": 2, "tCCD_L": 4, "tRRD_S": 4, "tRRD_L": 6,
             "tFAW": 16, "tWR": 16, "tWTR_S": 4, "tWTR_L": 9, "tRTP": 5, "tRTP_S": 4, "tRTW": 1,
             "tRFC": 350, "tREFI": 3900},
  "energy_pj": {"act_pj": 900, "array_rd_pj": 307, "array_wr_pj": 307, "io_pj": 512,
                "ref_pj": 28800}
})json";

// HBM3 at 6.4 Gb/s/pin (JESD238): CK 3.2 GHz, tCK 0.3125 ns; 16 channels x 2 PCs, 32-bit PC,
// BL8 (32 B per burst = 4 tCK), 4 x 4 banks, 1 KB page; 32 x 32 B / 1.25 ns = 819.2 GB/s.
// ns values: CL 15, tRCD 14, tRP 14, tRAS 33, tRC 47, tCCD_L 2.5, tRRD_S 2.5, tRRD_L 4,
// tFAW 16, tWR 15, tWTR_S 2.5, tWTR_L 7.5, tRTP 5, tRFC 350, tREFI 3900. Per-bank refresh
// (REFSB, used when "refresh" is "per_bank"): tRFCSB 160 ns, tRREFD 8 ns, as Ramulator 2.0's
// HBM3 preset (nRFCSB 160, nRREFD 8 at tCK 1 ns).
constexpr const char* kHbm3 = R"json({
  "name": "HBM3",
  "source": "JESD238 HBM3 organization at 6.4 Gb/s; JEDEC-class ns timings rounded up to tCK at 3.2 GHz; energies are estimates (README)",
  "org": {"channels": 16, "pseudo_channels": 2, "bank_groups": 4, "banks_per_group": 4,
          "rows": 32768, "row_bytes": 1024, "bus_bits": 32, "burst_length": 8,
          "transfers_per_tck": 2},
  "timing": {"tck_ns": 0.3125, "CL": 48, "CWL": 16, "tRCD": 45, "tRP": 45, "tRAS": 106,
             "tRC": 151, "tCCD_S": 4, "tCCD_L": 8, "tRRD_S": 8, "tRRD_L": 13, "tFAW": 52,
             "tWR": 48, "tWTR_S": 8, "tWTR_L": 24, "tRTP": 16, "tRTW": 3, "tRFC": 1120,
             "tREFI": 12480, "tRFCsb": 512, "tRREFD": 26},
  "energy_pj": {"act_pj": 800, "array_rd_pj": 256, "array_wr_pj": 256, "io_pj": 384,
                "ref_pj": 25600}
})json";

// HBM3 as AttAcc's simulator configures it (github.com/scale-snu/attacc_simulator,
// pim_ramulator_src/HBM3-PIM.cpp on Ramulator 2.0; attacc_bank.yaml: org HBM3_8Gb_2R, 16
// channels, timing HBM3_5.2Gbps): 16 channels x 2 pseudo-channels, 2 stack IDs (8-Hi) x 4 x 4
// banks = 32 banks per PC, 16384 rows of 1 KB (32 columns x 32 B). 5.2 Gb/s with QDR DQ:
// CK = 5200 / 4 = 1.3 GHz (tCK 0.769 ns, the tCK of its ramulator wrapper), a 32 B column in
// nBL = 2 tCK. Its cycle counts, unchanged: CL 19, CWL 6, tRCDRD 19, tRCDWR 19, tRP 19, tRAS 45,
// tRC 63, tWR 21, tRTPL 8 (tRTP), tRTPS 6 (tRTP_S), tCCDS 2, tCCDL 4, tRRDS 2, tRRDL 4, tWTRS 8,
// tWTRL 11, tFAW 39, tREFI 5070, tRFC 350 ns (8 Gb) / 0.769 = 456; RD->WR = CL + BL + 2 - CWL (our
// tRTW 2). tRC: its 63 is raised to tRAS + tRP = 64 (our configs require tRC >= tRAS + tRP). 32 x
// 32 B / 1.538 ns = 665.6 GB/s. Energies: our HBM3 estimates.
constexpr const char* kHbm3AttAcc = R"json({
  "name": "HBM3-AttAcc",
  "source": "scale-snu/attacc_simulator HBM3-PIM.cpp presets HBM3_8Gb_2R + HBM3_5.2Gbps (Ramulator 2.0), 16 channels; energies are our HBM3 estimates (README)",
  "org": {"channels": 16, "pseudo_channels": 2, "stack_ids": 2, "bank_groups": 4,
          "banks_per_group": 4, "rows": 16384, "row_bytes": 1024, "bus_bits": 32,
          "burst_length": 8, "transfers_per_tck": 4},
  "timing": {"tck_ns": 0.7692307692307693, "CL": 19, "CWL": 6, "tRCD": 19, "tRCD_WR": 19,
             "tRP": 19, "tRAS": 45, "tRC": 64, "tCCD_S": 2, "tCCD_L": 4, "tRRD_S": 2,
             "tRRD_L": 4, "tFAW": 39, "tWR": 21, "tWTR_S": 8, "tWTR_L": 11, "tRTP": 8, "tRTP_S": 6,
             "tRTW": 2, "tRFC": 456, "tREFI": 5070},
  "energy_pj": {"act_pj": 800, "array_rd_pj": 256, "array_wr_pj": 256, "io_pj": 384,
                "ref_pj": 51200}
})json";

// GDDR6 at 16 Gb/s/pin, 8 Gb x16-per-channel device with 2 channels (JESD250; Micron
// MT61K256M32-class datasheet): CK 2 GHz, tCK 0.5 ns, data = 8 beats per CK; BL16 x 16 bits =
// 32 B per burst = 2 tCK; 4 x 4 banks, 2 KB page; 2 x 32 B / 1 ns = 64 GB/s per chip.
// ns values: CL 12, CWL 3, tRCD 13, tRP 13, tRAS 27, tRC 40, tCCD_L 2, tRRD_S 4, tRRD_L 5,
// tFAW 16, tWR 15, tWTR_S 5, tWTR_L 6, tRTP 2, tRFC 210, tREFI 1900 (32 ms / 16 K).
constexpr const char* kGddr6 = R"json({
  "name": "GDDR6",
  "source": "JESD250 GDDR6 organization at 16 Gb/s (2 x16 channels per chip); datasheet-class ns timings rounded up to tCK at 2 GHz; energies are estimates (README)",
  "org": {"channels": 2, "pseudo_channels": 1, "bank_groups": 4, "banks_per_group": 4,
          "rows": 16384, "row_bytes": 2048, "bus_bits": 16, "burst_length": 16,
          "transfers_per_tck": 8},
  "timing": {"tck_ns": 0.5, "CL": 24, "CWL": 6, "tRCD": 26, "tRP": 26, "tRAS": 54, "tRC": 80,
             "tCCD_S": 2, "tCCD_L": 4, "tRRD_S": 8, "tRRD_L": 10, "tFAW": 32, "tWR": 30,
             "tWTR_S": 10, "tWTR_L": 12, "tRTP": 4, "tRTW": 2, "tRFC": 420, "tREFI": 3800},
  "energy_pj": {"act_pj": 1700, "array_rd_pj": 307, "array_wr_pj": 307, "io_pj": 1408,
                "ref_pj": 54400}
})json";

// LPDDR5-6400 (JESD209-5), bank-group mode, x64 package = 4 x16 channels: CK 800 MHz,
// tCK 1.25 ns, 8 beats per CK; BL16 x 16 bits = 32 B = 2 tCK; 4 x 4 banks, 2 KB page;
// 4 x 32 B / 2.5 ns = 51.2 GB/s. ns values: RL 25, WL 13.75, tRCD 18, tRPab 21, tRAS 42,
// tRC 63, tCCD_L 5 (4 tCK), tRRD 5, tFAW 20, tWR 34, tWTR_S 6.25, tWTR_L 12, tRTP 7.5,
// tRFCab 210 (8 Gb), tREFI 3906.
constexpr const char* kLpddr5 = R"json({
  "name": "LPDDR5",
  "source": "JESD209-5 LPDDR5-6400 bank-group mode, 4 x16 channels; JEDEC ns timings rounded up to tCK at 800 MHz; energies are estimates (README)",
  "org": {"channels": 4, "pseudo_channels": 1, "bank_groups": 4, "banks_per_group": 4,
          "rows": 32768, "row_bytes": 2048, "bus_bits": 16, "burst_length": 16,
          "transfers_per_tck": 8},
  "timing": {"tck_ns": 1.25, "CL": 20, "CWL": 11, "tRCD": 15, "tRP": 17, "tRAS": 34, "tRC": 51,
             "tCCD_S": 2, "tCCD_L": 4, "tRRD_S": 4, "tRRD_L": 4, "tFAW": 16, "tWR": 28,
             "tWTR_S": 5, "tWTR_L": 10, "tRTP": 6, "tRTW": 2, "tRFC": 168, "tREFI": 3125},
  "energy_pj": {"act_pj": 1500, "array_rd_pj": 307, "array_wr_pj": 307, "io_pj": 768,
                "ref_pj": 96000}
})json";

const std::map<std::string, const char*>& presets() {
  static const std::map<std::string, const char*> m = {
      {"HBM2", kHbm2},   {"HBM2-PIMSim", kHbm2PimSim},
      {"HBM3", kHbm3},   {"HBM3-AttAcc", kHbm3AttAcc},
      {"GDDR6", kGddr6}, {"LPDDR5", kLpddr5}};
  return m;
}

}  // namespace

const char* dram_preset_json(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    std::string known;
    for (const auto& [k, v] : presets()) known += (known.empty() ? "" : ", ") + k;
    throw Error("dram: unknown preset '" + name + "' (known: " + known + ")");
  }
  return it->second;
}

std::vector<std::string> DramConfig::preset_names() {
  std::vector<std::string> names;
  for (const auto& [k, v] : presets()) names.push_back(k);
  return names;
}

}  // namespace nuri::sim::dram
