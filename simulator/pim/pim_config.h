// A PIM memory: a DRAM device (the plain-DRAM baseline) plus MAC units beside its banks.
// Clock domain of every *_tck figure: the DRAM command clock (tCK) of `dram`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/dram/dram_config.h"

namespace nuri::sim::pim {

enum class NumType { kF16, kBf16, kF32 };
const char* num_type_name(NumType t);
int num_type_bytes(NumType t);

// rows_outer: a group of acc_rows output rows accumulates over all of K (x tiles reloaded per
//   group), results read once per group (HBM-PIM: GRF_B accumulators, GRF_A holds the x tile).
// tile_outer: each x tile is loaded once; every output row's partial for that tile is read out
//   and the host sums the partials (AiM: 2 KB global buffer, one MAC result latch per bank).
enum class PimSchedule { kRowsOuter, kTileOuter };

// How a GEMV's output rows are mapped onto the units.
// row_interleaved (Nuri's default): output row i -> unit i mod U, each unit's weights in
//   consumption order; short outputs split the reduction dimension over idle units (partial
//   sums added by the host), all-bank commands issued as the timing allows.
// reference: Samsung PIMSimulator's GEMV kernel (src/tests/PIMKernel.cpp, executeGemv) as its
//   memory controller sees it: whole output tiles of U x acc_rows rows on every channel (a short
//   output still pays a whole tile), per x tile a GRF_A write then acc_rows-MAC groups, each
//   group behind a barrier, even-bank tiles before odd-bank ones, GRF_B stored back to the bank.
enum class GemvMapping { kRowInterleaved, kReference };

// How decode attention is placed. gemv: per KV head a score GEMV over the cache and a context
// GEMV, heads one after another, softmax on the host side (not timed). attacc: AttAcc's
// placement (pim_attacc.h): a head per channel, sequence and head dims across banks, softmax
// timed on the buffer die.
enum class AttentionMapping { kGemv, kAttAcc };

struct PimConfig {
  std::string name, source;
  dram::DramConfig dram;
  int banks_per_unit = 1;  // banks sharing one PIM unit (HBM-PIM: 2, AiM: 1)
  int lanes = 16;          // SIMD lanes = elements per column access
  NumType input = NumType::kF16;
  NumType accum = NumType::kF32;
  NumType result = NumType::kF32;  // what a readout returns per partial
  bool lane_reduce = false;        // true: adder tree sums the lanes in the unit (AiM)
  PimSchedule schedule = PimSchedule::kRowsOuter;
  GemvMapping gemv_mapping = GemvMapping::kRowInterleaved;  // JSON key optional
  AttentionMapping attention = AttentionMapping::kGemv;     // JSON key optional
  int mac_interval_tck = 0;                                 // between two all-bank MAC commands
  int vector_elems = 0;             // x elements one unit holds (GRF_A or global buffer)
  int acc_rows = 0;                 // output rows a unit accumulates at once
  int crf_bytes = 0;                // instruction buffer written once per kernel (0: none)
  bool mode_switch_by_act = false;  // HBM-PIM enters/leaves AB mode with ACT+PRE sequences
  // How an all-bank activation is timed. "per_bank": one ACT per bank, each under tRRD_S/L and
  // tFAW (the conservative reading). "broadcast": one ACT command per bank of a unit, opening that
  // bank in every unit at once (AiM: 1 command, ACT16; HBM-PIM: 2, even and odd banks), each
  // one tFAW entry, the next ACT after tRRD_L.
  bool broadcast_act = false;
  int grf_entries = 0, srf_entries = 0;  // register files (documentation/reporting only)
  // Columns one unit buffers per elementwise step (its vector registers); 0: no elementwise
  // kernel (c = a + b, a * b) on this device.
  int eltwise_cols = 0;
  double mac_pj = 0;  // energy of one lane MAC (estimate)

  int units_per_channel() const { return dram.org.banks() / banks_per_unit; }
  int units_total() const { return units_per_channel() * dram.org.units(); }
  // Peak GFLOP/s (= FLOP/ns): 2 flops per lane MAC, one all-bank MAC per mac_interval.
  double peak_gflops() const;
  // Peak bank-internal read bandwidth feeding the units (bytes/ns).
  double internal_bytes_per_ns() const;

  static PimConfig from_json(const nlohmann::json& j, const std::string& context = "pim");
  static PimConfig preset(const std::string& name);  // "HBM-PIM", "AiM"
  static std::vector<std::string> preset_names();
  static PimConfig load_file(const std::string& path);
  nlohmann::json to_json() const;
};

}  // namespace nuri::sim::pim
