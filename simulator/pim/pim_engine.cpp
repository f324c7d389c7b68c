#include "simulator/pim/pim_engine.h"

#include <algorithm>
#include <map>

#include "nuri/error.hpp"
#include "simulator/common/ceil_div.h"

namespace nuri::sim::pim {

using dram::Channel;
using dram::Cmd;
using dram::kAllBanks;

PimCounts& PimCounts::operator+=(const PimCounts& o) {
  ab_act += o.ab_act;
  ab_pre += o.ab_pre;
  mac += o.mac;
  bank_writes += o.bank_writes;
  vector_write_bursts += o.vector_write_bursts;
  result_read_bursts += o.result_read_bursts;
  crf_write_bursts += o.crf_write_bursts;
  mode_switches += o.mode_switches;
  refreshes += o.refreshes;
  bank_acts += o.bank_acts;
  return *this;
}

PimCounts PimCounts::times(uint64_t n) const {
  PimCounts c = *this;
  for (uint64_t* f :
       {&c.ab_act, &c.ab_pre, &c.mac, &c.bank_writes, &c.vector_write_bursts, &c.result_read_bursts,
        &c.crf_write_bursts, &c.mode_switches, &c.refreshes, &c.bank_acts})
    *f *= n;
  return c;
}

nlohmann::json PimCounts::to_json() const {
  return {{"all_bank_act", ab_act},
          {"all_bank_pre", ab_pre},
          {"mac", mac},
          {"bank_writes", bank_writes},
          {"vector_write_bursts", vector_write_bursts},
          {"result_read_bursts", result_read_bursts},
          {"crf_write_bursts", crf_write_bursts},
          {"mode_switches", mode_switches},
          {"refreshes", refreshes},
          {"bank_activations", bank_acts}};
}

int64_t unit_mac_columns(const PimConfig& cfg, int64_t rows, int64_t cols) {
  const int64_t full = cols / cfg.vector_elems, rest = cols % cfg.vector_elems;
  const int64_t per_row =
      full * (cfg.vector_elems / cfg.lanes) + (rest + cfg.lanes - 1) / cfg.lanes;
  return rows * per_row;
}

namespace {

class Engine {
 public:
  Engine(const PimConfig& cfg, size_t max_spans)
      : cfg_(cfg),
        ch_(cfg.dram, true, /*all_bank_refresh=*/true),  // all-bank PIM mode: REFab
        max_spans_(max_spans),
        block_cols_(int64_t(cfg.banks_per_unit) * cfg.dram.org.columns()) {}

  ChannelRun run(const ChannelWork& w) {
    start_kernel();
    const int64_t tiles = ceil_div(w.cols, cfg_.vector_elems);
    const int64_t groups = ceil_div(w.rows, cfg_.acc_rows);
    for (int64_t b = 0; b < w.batch; ++b) {
      if (cfg_.schedule == PimSchedule::kRowsOuter) {
        for (int64_t g = 0; g < groups; ++g) {
          const int64_t rows_g = std::min<int64_t>(cfg_.acc_rows, w.rows - g * cfg_.acc_rows);
          for (int64_t t = 0; t < tiles; ++t) {
            write_vector(tile_elems(w.cols, t));
            macs(rows_g * ceil_div(tile_elems(w.cols, t), cfg_.lanes));
          }
          read_results(rows_g);
        }
      } else {
        for (int64_t t = 0; t < tiles; ++t) {
          write_vector(tile_elems(w.cols, t));
          for (int64_t g = 0; g < groups; ++g) {
            const int64_t rows_g = std::min<int64_t>(cfg_.acc_rows, w.rows - g * cfg_.acc_rows);
            macs(rows_g * ceil_div(tile_elems(w.cols, t), cfg_.lanes));
            read_results(rows_g);
          }
        }
      }
    }
    return finish();
  }

  ChannelRun run_eltwise(int64_t cols) {
    start_kernel();
    // Row regions: a, b and c each take ceil(cols / block) rows after the reserved mode row.
    const int64_t rows = (cols + block_cols_ - 1) / block_cols_;
    for (int64_t done = 0; done < cols; done += cfg_.eltwise_cols) {
      const int64_t n = std::min<int64_t>(cfg_.eltwise_cols, cols - done);
      const int64_t r = 1 + done / block_cols_;
      column_ops(r, n, false, "fill (a)");
      column_ops(r + rows, n, false, "add/mul (b)");
      column_ops(r + 2 * rows, n, true, "store (c)");
    }
    return finish();
  }

 private:
  void start_kernel() {
    mode_switch();  // single-bank -> all-bank
    mode_switch();  // all-bank -> all-bank-PIM
    if (cfg_.crf_bytes > 0) {
      bus(Cmd::kWr, ceil_div(cfg_.crf_bytes, cfg_.dram.org.burst_bytes()),
          run_.counts.crf_write_bursts, "crf write");
    }
  }
  ChannelRun finish() {
    if (open_) precharge_all();
    mode_switch();  // back to single-bank mode
    run_.end_tck = std::max(ch_.last_data_end(), now_);
    run_.dram = ch_.counters();
    run_.counts.bank_acts = run_.dram.bank_acts;
    return std::move(run_);
  }

  int64_t tile_elems(int64_t cols, int64_t t) const {
    return std::min<int64_t>(cfg_.vector_elems, cols - t * cfg_.vector_elems);
  }
  void span(const char* name, int64_t start) {
    if (run_.spans.size() < max_spans_) run_.spans.push_back({name, start, now_});
  }
  // Refresh if one is due by `t`; the open rows are lost and must be re-activated.
  bool maybe_refresh(int64_t t) {
    if (!ch_.refresh_due(t)) return false;
    const int64_t start = now_;
    now_ = ch_.refresh(now_);
    ++run_.counts.refreshes;
    open_ = false;
    span("refresh", start);
    return true;
  }
  void issue(Cmd c, int bank, int64_t row) {
    for (;;) {
      const int64_t t = std::max(now_, ch_.earliest(c, bank));
      if (maybe_refresh(t)) continue;
      now_ = ch_.issue(c, bank, row, t);
      return;
    }
  }
  void bus(Cmd c, int64_t bursts, uint64_t& counter, const char* name) {
    const int64_t start = now_;
    for (int64_t i = 0; i < bursts; ++i) issue(c, kAllBanks, 0);
    counter += uint64_t(bursts);
    span(name, start);
  }
  void mode_switch() {
    const int64_t start = now_;
    if (cfg_.mode_switch_by_act) {
      // HBM-PIM changes mode with an ACT/PRE to a reserved row (Lee et al. ISCA 2021).
      if (open_) precharge_all();
      issue(Cmd::kAct, 0, 0);
      issue(Cmd::kPre, 0, 0);
    } else {
      issue(Cmd::kWr, kAllBanks, 0);  // a mode-register style command on the bus
    }
    ++run_.counts.mode_switches;
    span("mode switch", start);
  }
  void write_vector(int64_t elems) {
    bus(Cmd::kWr, ceil_div(elems * num_type_bytes(cfg_.input), cfg_.dram.org.burst_bytes()),
        run_.counts.vector_write_bursts, "vector write");
  }
  void read_results(int64_t rows) {
    const int64_t per_row = cfg_.lane_reduce ? 1 : cfg_.lanes;
    const int64_t bytes = rows * cfg_.units_per_channel() * per_row * num_type_bytes(cfg_.result);
    bus(Cmd::kRd, ceil_div(bytes, cfg_.dram.org.burst_bytes()), run_.counts.result_read_bursts,
        "result read");
  }
  void precharge_all() {
    issue(Cmd::kPre, kAllBanks, 0);
    ++run_.counts.ab_pre;
    open_ = false;
  }
  void activate_all(int64_t row) {
    const int64_t start = now_;
    open_row_ = row;
    if (cfg_.broadcast_act) {
      // One command per bank of a unit; a refresh falling due in between closes the banks
      // already opened, so the whole activation starts over.
      for (int p = 0; p < cfg_.banks_per_unit; ++p) {
        const int64_t t = std::max(now_, ch_.earliest_broadcast_act(p, cfg_.banks_per_unit));
        if (maybe_refresh(t)) {
          p = -1;
          continue;
        }
        now_ = ch_.issue_broadcast_act(row, t, p, cfg_.banks_per_unit);
      }
      ++run_.counts.ab_act;
      open_ = true;
      span("all-bank activate", start);
      return;
    }
    const dram::DramOrg& o = cfg_.dram.org;
    // Interleave bank groups so consecutive activations need only tRRD_S; tFAW still caps
    // them at four per window.
    for (int i = 0; i < o.banks_per_group; ++i) {
      for (int g = 0; g < o.groups(); ++g) {
        const int bank = g * o.banks_per_group + i;
        if (ch_.open_row(bank) != dram::kClosed) continue;
        for (;;) {
          const int64_t t = std::max(now_, ch_.earliest(Cmd::kAct, bank));
          if (ch_.refresh_due(t)) {
            maybe_refresh(t);
            i = 0;
            g = -1;  // restart: the refresh closed every bank
            break;
          }
          now_ = ch_.issue(Cmd::kAct, bank, row, t);
          break;
        }
      }
    }
    ++run_.counts.ab_act;
    open_ = true;
    span("all-bank activate", start);
  }
  // n MACs over the weight blocks in consumption order: each block (one DRAM row in every bank)
  // feeds block_cols_ MACs, then the next row is opened.
  void macs(int64_t n) {
    while (n > 0) {
      if (col_ == block_cols_) {
        ++block_;
        col_ = 0;
      }
      const int64_t k = std::min(n, block_cols_ - col_);
      column_ops(block_, k, false, "MAC");
      col_ += k;
      n -= k;
    }
  }

  // n all-bank column operations on `row` (reads, or in-bank writes), re-opening it after a
  // refresh; the rows stay open for the next call.
  void column_ops(int64_t row, int64_t n, bool write, const char* name) {
    while (n > 0) {
      if (!open_ || open_row_ != row) {
        if (open_) precharge_all();
        activate_all(row);
      }
      const int64_t start = now_;
      const int64_t t = std::max(now_, last_mac_ + cfg_.mac_interval_tck);
      const int64_t done = ch_.issue_mac_run(t, n, cfg_.mac_interval_tck, write);
      if (done == 0) {
        maybe_refresh(std::max(t, ch_.earliest(Cmd::kMac, kAllBanks)));
        continue;
      }
      last_mac_ = std::max(std::max(t, start), ch_.last_cmd());
      now_ = last_mac_;
      (write ? run_.counts.bank_writes : run_.counts.mac) += uint64_t(done);
      n -= done;
      span(name, start);
    }
  }

  const PimConfig& cfg_;
  Channel ch_;
  size_t max_spans_;
  int64_t block_cols_;
  ChannelRun run_;
  int64_t now_ = 0, last_mac_ = -(int64_t(1) << 40);
  bool open_ = false;
  int64_t block_ = 1;  // DRAM row index of the weights (row 0 is the reserved mode row)
  int64_t open_row_ = -1;
  int64_t col_ = 0;
};

}  // namespace

ChannelRun run_pim_eltwise_channel(const PimConfig& cfg, int64_t cols, size_t max_spans) {
  if (cfg.eltwise_cols <= 0) throw Error("pim: " + cfg.name + " has no elementwise kernel");
  if (cols <= 0) throw Error("pim eltwise channel: cols must be > 0");
  Engine e(cfg, max_spans);
  return e.run_eltwise(cols);
}

double channel_energy_pj(const PimConfig& cfg, const ChannelRun& run) {
  const dram::DramEnergy& e = cfg.dram.energy;
  const double units = cfg.units_per_channel();
  const double bursts =
      double(run.dram.bytes_read + run.dram.bytes_written) / cfg.dram.org.burst_bytes();
  return double(run.counts.bank_acts) * e.act_pj +
         double(run.counts.mac) * units * (e.array_rd_pj + cfg.lanes * cfg.mac_pj) +
         double(run.counts.bank_writes) * units * e.array_wr_pj + bursts * e.io_pj +
         double(run.counts.refreshes) * e.ref_pj;
}

DeviceRun run_on_channels(const PimConfig& cfg, const std::function<int64_t(int)>& work_of,
                          const std::function<ChannelRun(int64_t)>& simulate, ChromeTrace* trace) {
  if (trace) trace->name_process(0, cfg.name + " (PIM channels)");
  std::map<int64_t, ChannelRun> memo;
  DeviceRun r;
  for (int c = 0; c < cfg.dram.org.units(); ++c) {
    const int64_t work = work_of(c);
    if (work == 0) continue;
    auto it = memo.find(work);
    if (it == memo.end()) it = memo.emplace(work, simulate(work)).first;
    const ChannelRun& cr = it->second;
    r.cycles = std::max(r.cycles, cr.end_tck);
    r.counts += cr.counts;
    r.bus_bytes += cr.dram.bytes_read + cr.dram.bytes_written;
    r.energy_pj += channel_energy_pj(cfg, cr);
    if (!trace) continue;
    trace->name_track(0, c, "channel " + std::to_string(c));
    const double us = cfg.dram.t.tck_ns * 1e-3;
    for (const PhaseSpan& s : cr.spans)
      trace->span(0, c, s.name, "pim", double(s.start) * us, double(s.end - s.start) * us);
  }
  return r;
}

ChannelRun run_pim_channel(const PimConfig& cfg, const ChannelWork& work, size_t max_spans) {
  if (work.rows < 0 || work.cols <= 0 || work.batch <= 0) {
    throw Error("pim channel: rows must be >= 0, cols and batch > 0");
  }
  Engine e(cfg, max_spans);
  return e.run(work);
}

}  // namespace nuri::sim::pim
