// Timing state of one DRAM unit (a channel, or an HBM pseudo-channel): which rows are open and
// the earliest cycle each command may issue under the JEDEC constraints. Times are tCK of the
// DRAM command clock. Commands are issued by a scheduler; this class only enforces the rules.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "simulator/dram/dram_config.h"

namespace nuri::sim::dram {

enum class Cmd : int { kAct = 0, kPre, kRd, kWr, kRef, kMac, kCount };
const char* cmd_name(Cmd c);

// bank = -1 addresses all banks (PREA, all-bank MAC) or, for RD/WR, the unit's registers
// (PIM buffers): those use the data bus and column timing but no bank. ACT to all banks is a PIM
// broadcast activation (see issue_broadcast_act) of every bank.
constexpr int kAllBanks = -1;
constexpr int64_t kClosed = -1;

struct UnitCounters {
  std::array<uint64_t, size_t(Cmd::kCount)> cmds{};
  uint64_t bank_acts = 0;  // bank activations (an all-bank ACT counts one per bank)
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;  // per burst, set by the scheduler
  uint64_t bank_refreshes = 0;  // the REF commands (cmds[kRef]) that refreshed one bank
  UnitCounters& operator+=(const UnitCounters& o);
  UnitCounters scaled_diff(const UnitCounters& older, uint64_t n) const;  // n * (this - older)
};

class Channel {
 public:
  // all_bank_refresh: refresh every bank at once even where the config asks for per-bank
  // refresh (a PIM kernel's all-bank mode needs every bank; PIMSimulator issues REFab there).
  explicit Channel(const DramConfig& cfg, bool refresh = true, bool all_bank_refresh = false);

  // Earliest cycle >= 0 at which `c` may issue to `bank`, ignoring refresh.
  int64_t earliest(Cmd c, int bank) const;
  // Issues `c` at cycle t (raised to earliest() if earlier); returns the issue cycle.
  // ACT opens `row`; RD/WR/MAC require the bank open (nuri::Error otherwise: a scheduler bug).
  int64_t issue(Cmd c, int bank, int64_t row, int64_t t);
  // A PIM broadcast activation: one ACT command opening `row` in every bank b with
  // b % stride == first (stride 1: all banks, GDDR6-AiM's ACT16; stride 2: HBM-PIM's all-bank
  // mode, where an ACT to the even or odd bank opens that bank of every bank pair). Every bank
  // opened must be ready (tRP, tRC); the command counts once in the tFAW window and holds off the
  // next ACT by tRRD_L.
  int64_t earliest_broadcast_act(int first, int stride) const;
  int64_t issue_broadcast_act(int64_t row, int64_t t, int first, int stride);
  // Refresh: due every tREFI. refresh() precharges open banks (one PREA) no earlier than
  // max(t, due) and issues REF once every bank's tRP/tRC allows; returns the REF cycle.
  // Per-bank refresh: due every tREFI / banks, round robin over the banks; refresh() closes
  // only the bank due (one PRE) and REF holds it tRFCsb, the others tRREFD.
  bool refresh_due(int64_t t) const { return refresh_ && t >= ref_due_; }
  int64_t refresh_due_cycle() const { return ref_due_; }
  int64_t refresh(int64_t t);
  // A run of up to n all-bank MACs, the first no earlier than t, `interval` tCK apart, in closed
  // form (only the bank's column readiness, the interval and refresh constrain them). Stops
  // before a MAC that would fall at or after a due refresh. Returns how many issued.
  // writes_array: the column operations store unit registers into the open rows (a PIM
  // elementwise kernel's result), so the banks may precharge only after CWL + burst + tWR;
  // otherwise they read the array and precharge after tRTP. No data crosses the bus either way.
  int64_t issue_mac_run(int64_t t, int64_t n, int interval, bool writes_array = false);

  int64_t open_row(int bank) const { return banks_[size_t(bank)].open_row; }
  bool any_open() const;
  int64_t last_cmd() const { return last_cmd_; }
  int64_t last_data_end() const { return last_data_end_; }  // last beat of any RD/WR burst
  const UnitCounters& counters() const { return cnt_; }
  UnitCounters& counters() { return cnt_; }
  const DramConfig& config() const { return cfg_; }
  int bank_group(int bank) const { return bank / cfg_.org.banks_per_group; }

  // Time-shift invariance support for fast-forwarding periodic streams: the state relative to
  // `now` and `row_base` as a flat vector, and a shift of every time by dt and every open row
  // by drow.
  void snapshot(int64_t now, int64_t row_base, std::vector<int64_t>& out) const;
  void shift(int64_t dt, int64_t drow);

 private:
  struct Bank {
    int64_t open_row = kClosed;
    int64_t act_ready = 0, col_ready = 0, pre_ready = 0;
    int64_t wr_col_ready = 0;  // ACT -> WR (tRCD_WR); col_ready is ACT -> RD/MAC (tRCD)
    int64_t prea_ready = 0;    // all-bank precharge: RD -> PREA is tRTP_S, RD -> PRE tRTP
  };
  struct Group {
    int64_t col_ready = 0, act_ready = 0, rd_ready = 0;
  };
  void open_bank(int bank, int64_t row, int64_t when);

  DramConfig cfg_;  // a copy: callers may pass a temporary
  bool refresh_;
  bool per_bank_refresh_;
  int next_refresh_bank_ = 0;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  int64_t col_ready_ = 0, act_ready_ = 0, rd_ready_ = 0, wr_ready_ = 0, row_bus_ready_ = 0;
  std::array<int64_t, 4> faw_{};  // tFAW window: ready cycles of the last four ACTs
  int faw_idx_ = 0;
  int64_t ref_due_ = 0;
  int64_t last_cmd_ = 0, last_data_end_ = 0;
  UnitCounters cnt_;
};

}  // namespace nuri::sim::dram
