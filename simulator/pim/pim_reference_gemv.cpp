#include "simulator/pim/pim_reference_gemv.h"

#include <algorithm>

#include "nuri/error.hpp"
#include "simulator/common/ceil_div.h"
#include "simulator/dram/channel.h"

namespace nuri::sim::pim {

using dram::Channel;
using dram::Cmd;

namespace {

class ReferenceKernel {
 public:
  ReferenceKernel(const PimConfig& cfg, size_t max_spans)
      : cfg_(cfg),
        ch_(cfg.dram, true, /*all_bank_refresh=*/true),  // all-bank PIM mode: REFab
        max_spans_(max_spans),
        grf_a_(cfg.vector_elems / cfg.lanes),
        grf_b_(cfg.acc_rows),
        cols_(cfg.dram.org.columns()),
        reg_row_(cfg.dram.org.rows - 1),
        sb_to_ab_row_(cfg.dram.org.rows - 2),
        ab_to_sb_row_(cfg.dram.org.rows - 3),
        park_row_(cfg.dram.org.rows - 4) {}

  ChannelRun run(const ReferenceGemvWork& w) {
    const int bpg = cfg_.dram.org.banks_per_group;
    const int64_t tile_cols = grf_a_ * grf_b_;  // MAC columns of one x tile in one bank
    park("park in");
    // Single-bank -> all-bank mode: writes to banks 0 and 1 of bank groups 0 and 2.
    phase("mode switch", [&] {
      for (int bank : {0, 1, 2 * bpg, 2 * bpg + 1})
        access(Cmd::kWr, bank, sb_to_ab_row_, run_.counts.mode_switches);
    });
    ab_mode_ = true;
    phase("crf write", [&] { access(Cmd::kWr, 1, reg_row_, run_.counts.crf_write_bursts); });
    const int64_t results_col = w.output_tiles * (w.input_tiles / 2) * tile_cols;
    for (int64_t j = 0; j < w.output_tiles; ++j) {
      for (int64_t b = 0; b < w.batch; ++b) {
        phase("mode switch", [&] { access(Cmd::kWr, 0, reg_row_, run_.counts.mode_switches); });
        for (int parity : {0, 1}) {
          for (int64_t i = parity; i < w.input_tiles; i += 2) {
            phase("vector write", [&] {
              for (int64_t g = 0; g < grf_a_; ++g)
                access(Cmd::kWr, 1, reg_row_, run_.counts.vector_write_bursts);
            });
            const int64_t col = tile_cols * (i / 2 + j * (w.input_tiles / 2));
            for (int64_t g = 0; g < grf_a_; ++g)
              phase("MAC", [&] {
                for (int64_t m = 0; m < grf_b_; ++m) {
                  const int64_t c = col + g * grf_b_ + m;
                  access(Cmd::kRd, parity, c / cols_, run_.counts.mac);
                }
              });
          }
        }
        phase("result store", [&] {
          for (int64_t m = 0; m < grf_b_; ++m) {
            const int64_t c = results_col + (j + b) * grf_b_ + m;
            access(Cmd::kWr, 1, c / cols_, run_.counts.bank_writes);
          }
        });
        phase("mode switch", [&] { access(Cmd::kWr, 0, reg_row_, run_.counts.mode_switches); });
      }
    }
    phase("mode switch", [&] {
      access(Cmd::kWr, 0, ab_to_sb_row_, run_.counts.mode_switches);
      access(Cmd::kWr, 1, ab_to_sb_row_, run_.counts.mode_switches);
    });
    ab_mode_ = false;
    park("park out");
    run_.end_tck = std::max(ch_.last_data_end(), now_);
    run_.dram = ch_.counters();
    // MACs and result stores are in-bank column operations: no data crosses the bus.
    const uint64_t bb = uint64_t(cfg_.dram.org.burst_bytes());
    run_.dram.bytes_read -= run_.counts.mac * bb;
    run_.dram.bytes_written -= run_.counts.bank_writes * bb;
    // An all-bank ACT opens the addressed bank in every unit.
    run_.counts.bank_acts =
        run_.dram.bank_acts + run_.counts.ab_act * uint64_t(cfg_.units_per_channel() - 1);
    return std::move(run_);
  }

 private:
  // One barrier-delimited group: commands after it wait for every command in it.
  template <class F>
  void phase(const char* name, F&& body) {
    const int64_t start = now_;
    body();
    group_start_ = now_;
    if (run_.spans.size() < max_spans_) run_.spans.push_back({name, start, now_});
  }
  // A read to every bank (bank in group outer, group inner), as parkIn/parkOut do.
  void park(const char* name) {
    const dram::DramOrg& o = cfg_.dram.org;
    uint64_t reads = 0;
    phase(name, [&] {
      for (int i = 0; i < o.banks_per_group; ++i)
        for (int g = 0; g < o.groups(); ++g)
          access(Cmd::kRd, g * o.banks_per_group + i, park_row_, reads);
    });
  }
  bool maybe_refresh(int64_t t) {
    if (!ch_.refresh_due(t)) return false;
    const int64_t start = now_;
    now_ = ch_.refresh(now_);
    group_start_ = std::max(group_start_, now_);
    ++run_.counts.refreshes;
    if (run_.spans.size() < max_spans_) run_.spans.push_back({"refresh", start, now_});
    return true;
  }
  // One column command in order, opening its row first; the precharge and activation may go as
  // early as the group's start (the controller sees every command up to the next barrier).
  void access(Cmd c, int bank, int64_t row, uint64_t& counter) {
    for (;;) {
      if (ch_.open_row(bank) != row) {
        if (ch_.open_row(bank) != dram::kClosed) {
          const int64_t tp = std::max(group_start_, ch_.earliest(Cmd::kPre, bank));
          if (maybe_refresh(tp)) continue;
          ch_.issue(Cmd::kPre, bank, 0, tp);
          if (ab_mode_) ++run_.counts.ab_pre;
        }
        const int64_t ta = std::max(group_start_, ch_.earliest(Cmd::kAct, bank));
        if (maybe_refresh(ta)) continue;
        ch_.issue(Cmd::kAct, bank, row, ta);
        if (ab_mode_) ++run_.counts.ab_act;
      }
      const int64_t t = std::max(now_, ch_.earliest(c, bank));
      if (maybe_refresh(t)) continue;
      now_ = ch_.issue(c, bank, row, t);
      ++counter;
      return;
    }
  }

  const PimConfig& cfg_;
  Channel ch_;
  size_t max_spans_;
  int64_t grf_a_, grf_b_, cols_;
  int64_t reg_row_, sb_to_ab_row_, ab_to_sb_row_, park_row_;
  ChannelRun run_;
  int64_t now_ = 0, group_start_ = 0;
  bool ab_mode_ = false;
};

}  // namespace

ReferenceGemvWork reference_gemv_work(const PimConfig& cfg, int64_t rows, int64_t cols,
                                      int64_t batch) {
  return {ceil_div(rows, int64_t(cfg.units_total()) * cfg.acc_rows),
          ceil_div(cols, cfg.vector_elems), batch};
}

int64_t reference_gemv_rows_per_bank(const PimConfig& cfg, const ReferenceGemvWork& w) {
  const int64_t tile_cols = int64_t(cfg.vector_elems / cfg.lanes) * cfg.acc_rows;
  const int64_t weight_cols = w.output_tiles * ceil_div(w.input_tiles, 2) * tile_cols;
  const int64_t result_cols = (w.output_tiles + w.batch) * cfg.acc_rows;
  return ceil_div(weight_cols + result_cols, cfg.dram.org.columns()) + 4;  // + reserved rows
}

ChannelRun run_reference_gemv_channel(const PimConfig& cfg, const ReferenceGemvWork& work,
                                      size_t max_spans) {
  if (work.output_tiles <= 0 || work.input_tiles <= 0 || work.batch <= 0)
    throw Error("pim reference gemv: tile counts and batch must be > 0");
  if (cfg.banks_per_unit != 2 || cfg.dram.org.bank_groups < 3)
    throw Error("pim reference gemv: config '" + cfg.name +
                "' is not HBM-PIM-shaped (the kernel needs 2 banks per unit, >= 3 bank groups)");
  ReferenceKernel k(cfg, max_spans);
  return k.run(work);
}

}  // namespace nuri::sim::pim
