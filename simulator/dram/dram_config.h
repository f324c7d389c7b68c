// DRAM device description: organization, timing and per-command energy, loaded from JSON.
// Every timing figure is an integer count of the DRAM command clock (tCK); tck_ns converts it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nuri::sim::dram {

// Geometry of one device (an HBM stack, a GDDR6 chip, an LPDDR5 package).
struct DramOrg {
  int channels = 0;           // independent channels
  int pseudo_channels = 1;    // per channel (HBM); each is scheduled as its own unit
  int stack_ids = 1;          // HBM3 stack IDs (SIDs, JEDEC "ranks") per unit
  int bank_groups = 0;        // per unit and stack ID
  int banks_per_group = 0;    // per bank group
  int64_t rows = 0;           // per bank
  int row_bytes = 0;          // page size seen by one unit
  int bus_bits = 0;           // data bus width of one unit
  int burst_length = 0;       // beats per column access
  int transfers_per_tck = 0;  // data beats per command clock (2 = DDR on CK)

  int units() const { return channels * pseudo_channels; }
  int groups() const { return stack_ids * bank_groups; }  // distinct bank groups of a unit
  int banks() const { return groups() * banks_per_group; }
  int burst_bytes() const { return bus_bits * burst_length / 8; }
  int burst_tck() const { return burst_length / transfers_per_tck; }  // data-bus cycles/burst
  int columns() const { return row_bytes / burst_bytes(); }           // bursts per row
  uint64_t capacity_bytes() const {
    return uint64_t(units()) * uint64_t(banks()) * uint64_t(rows) * uint64_t(row_bytes);
  }
};

// All in tCK (DRAM command clock cycles).
struct DramTiming {
  double tck_ns = 0;  // command clock period
  int CL = 0, CWL = 0;
  int tRCD = 0, tRP = 0, tRAS = 0, tRC = 0;  // tRCD: ACT -> RD (and PIM column operations)
  int tRCD_WR = 0;                           // ACT -> WR (JSON key optional: = tRCD)
  int tCCD_S = 0, tCCD_L = 0, tRRD_S = 0, tRRD_L = 0, tFAW = 0;
  int tWR = 0, tWTR_S = 0, tWTR_L = 0, tRTP = 0, tRTW = 0;  // tRTW: extra read->write turnaround
  int tRTP_S = 0;  // RD -> all-bank precharge (HBM tRTPS; JSON key optional: = tRTP, RD -> PRE)
  int tRFC = 0, tREFI = 0;
  // Per-bank refresh (HBM REFSB, LPDDR/DDR5 REFpb): one bank at a time, every tREFI / banks,
  // busy tRFCsb; an ACT to another bank waits tRREFD after it. Off unless `refresh` says so.
  bool per_bank_refresh = false;  // JSON "refresh": "all_bank" (default) or "per_bank"
  int tRFCsb = 0, tRREFD = 0;
  int64_t tREFI_per_bank(int banks) const { return tREFI / banks; }
};

// Per-command energies in picojoules (estimates; see README for their derivation).
struct DramEnergy {
  double act_pj = 0;       // one bank activation + its precharge
  double array_rd_pj = 0;  // one burst read out of the array to the bank-group I/O
  double array_wr_pj = 0;  // one burst written into the array
  double io_pj = 0;        // one burst across the external interface (PHY, TSV)
  double ref_pj = 0;       // one all-bank refresh of a unit (a per-bank one: ref_pj / banks)
};

struct DramConfig {
  std::string name;
  std::string source;  // where the numbers come from
  DramOrg org;
  DramTiming t;
  DramEnergy energy;

  // Peak data-bus bandwidth of the whole device in bytes/ns (= GB/s).
  double peak_bytes_per_ns() const;
  double peak_bytes_per_ns_per_unit() const;

  // Strict parse: unknown keys, missing fields and non-positive sizes throw nuri::Error naming
  // the field ("<context>.timing.tRCD").
  static DramConfig from_json(const nlohmann::json& j, const std::string& context = "dram");
  // A built-in preset: "HBM2", "HBM3", "GDDR6", "LPDDR5".
  static DramConfig preset(const std::string& name);
  static std::vector<std::string> preset_names();
  // A JSON file holding one config, or {"preset": "<name>"}.
  static DramConfig load_file(const std::string& path);
  nlohmann::json to_json() const;
};

// The embedded JSON text of a built-in preset (throws nuri::Error for an unknown name).
const char* dram_preset_json(const std::string& name);

}  // namespace nuri::sim::dram
