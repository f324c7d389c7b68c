#include "simulator/pim/pim_attacc.h"

#include <algorithm>
#include <string>
#include <vector>

#include "nuri/error.hpp"
#include "simulator/common/ceil_div.h"
#include "simulator/dram/channel.h"

namespace nuri::sim::pim {

using dram::Channel;
using dram::Cmd;
using dram::kAllBanks;

namespace {

class AttAccKernel {
 public:
  AttAccKernel(const PimConfig& cfg, size_t max_spans)
      : cfg_(cfg),
        ch_(cfg.dram, true, /*all_bank_refresh=*/true),  // all-bank PIM mode: REFab
        max_spans_(max_spans),
        block_(int64_t(cfg.banks_per_unit) * cfg.dram.org.columns()) {}

  ChannelRun run(const AttentionShape& s, int64_t heads) {
    const AttAccHeadMacs m = attacc_head_macs(cfg_, s);
    const int64_t softmax = attacc_softmax_tck(cfg_, s.kv_len);
    const int64_t burst = cfg_.dram.org.burst_bytes(), elem = num_type_bytes(cfg_.input);
    const int64_t items = heads * s.queries;  // a GQA group's queries pass one after another
    // The first query into the GEMV buffers; later ones are written while MACs run.
    bus(Cmd::kWr, ceil_div(s.head_dim * elem, burst), run_.counts.vector_write_bursts, "q write");
    std::vector<int64_t> softmax_done(size_t(items), 0);
    for (int64_t i = 0; i <= items; ++i) {
      if (i < items) {  // score of item i (K_h q)
        stream(m.score, 0, "score MACs");
        softmax_done[size_t(i)] = last_mac_ + softmax;
        span("softmax (buffer die)", last_mac_, softmax_done[size_t(i)]);
      }
      if (i >= 1) stream(m.context, softmax_done[size_t(i - 1)], "context MACs");  // V^T p
    }
    now_ = std::max(now_, last_mac_ + cfg_.mac_interval_tck);
    // The last head's output to the host side (earlier ones move while MACs run).
    bus(Cmd::kRd, ceil_div(s.v_head_dim * elem, burst), run_.counts.result_read_bursts,
        "output move");
    if (open_) precharge_all();
    run_.end_tck = std::max(ch_.last_data_end(), now_);
    run_.dram = ch_.counters();
    run_.counts.bank_acts = run_.dram.bank_acts;
    return std::move(run_);
  }

 private:
  void span(const char* name, int64_t start, int64_t end) {
    if (run_.spans.size() < max_spans_) run_.spans.push_back({name, start, end});
  }
  bool maybe_refresh(int64_t t) {
    if (!ch_.refresh_due(t)) return false;
    const int64_t start = now_;
    now_ = ch_.refresh(now_);
    open_ = false;
    ++run_.counts.refreshes;
    span("refresh", start, now_);
    return true;
  }
  void bus(Cmd c, int64_t bursts, uint64_t& counter, const char* name) {
    const int64_t start = now_;
    for (int64_t i = 0; i < bursts; ++i) {
      for (;;) {
        const int64_t t = std::max(now_, ch_.earliest(c, kAllBanks));
        if (maybe_refresh(t)) continue;
        now_ = ch_.issue(c, kAllBanks, 0, t);
        break;
      }
    }
    counter += uint64_t(bursts);
    span(name, start, now_);
  }
  void precharge_all() {
    now_ = ch_.issue(Cmd::kPre, kAllBanks, 0, std::max(now_, ch_.earliest(Cmd::kPre, kAllBanks)));
    ++run_.counts.ab_pre;
    open_ = false;
  }
  void activate(int64_t row) {
    for (;;) {
      const int64_t t = std::max(now_, ch_.earliest_broadcast_act(0, 1));
      if (maybe_refresh(t)) continue;
      now_ = ch_.issue_broadcast_act(row, t, 0, 1);  // ACTAB: every bank of the PC
      ++run_.counts.ab_act;
      open_ = true;
      row_ = row;
      return;
    }
  }
  // n MAC columns of one unit, no earlier than `not_before`, from a fresh DRAM row (each head's
  // K and V start their own rows); a row of every bank feeds block_ of them.
  void stream(int64_t n, int64_t not_before, const char* name) {
    const int64_t start = std::max(now_, not_before);
    int64_t row = next_row_;
    next_row_ += ceil_div(n, block_);
    for (int64_t done_in_row = 0; n > 0;) {
      if (!open_ || row_ != row) {
        if (open_) precharge_all();
        activate(row);
      }
      const int64_t k = std::min(n, block_ - done_in_row);
      const int64_t t = std::max({now_, last_mac_ + cfg_.mac_interval_tck, not_before});
      const int64_t done = ch_.issue_mac_run(t, k, cfg_.mac_interval_tck);
      if (done == 0) {  // a refresh is due first: it closes the row, which is then reopened
        maybe_refresh(std::max(t, ch_.earliest(Cmd::kMac, kAllBanks)));
        continue;
      }
      last_mac_ = ch_.last_cmd();
      now_ = std::max(now_, std::max(t, ch_.earliest(Cmd::kMac, kAllBanks)));
      run_.counts.mac += uint64_t(done);
      n -= done;
      done_in_row += done;
      if (done_in_row == block_) {
        done_in_row = 0;
        ++row;
      }
    }
    span(name, start, last_mac_);
  }

  const PimConfig& cfg_;
  Channel ch_;
  size_t max_spans_;
  int64_t block_;
  ChannelRun run_;
  int64_t now_ = 0, last_mac_ = -(int64_t(1) << 40);
  bool open_ = false;
  int64_t row_ = -1, next_row_ = 0;
};

}  // namespace

AttAccHeadMacs attacc_head_macs(const PimConfig& cfg, const AttentionShape& s) {
  const dram::DramOrg& o = cfg.dram.org;
  const int64_t parts = int64_t(o.pseudo_channels) * o.stack_ids * o.bank_groups;  // of L
  const int64_t dim_parts = int64_t(o.banks_per_group) * cfg.lanes;  // of D per MAC column
  const int64_t keys = ceil_div(s.kv_len, parts);
  return {cfg.banks_per_unit * keys * ceil_div(s.head_dim, dim_parts),
          cfg.banks_per_unit * keys * ceil_div(s.v_head_dim, dim_parts)};
}

int64_t attacc_softmax_tck(const PimConfig& cfg, int64_t kv_len) {
  return 2 * ceil_div(kv_len, cfg.lanes) * cfg.dram.org.burst_tck();
}

ChannelRun run_attacc_channel(const PimConfig& cfg, const AttentionShape& s, int64_t heads,
                              size_t max_spans) {
  if (heads <= 0 || s.kv_len <= 0 || s.head_dim <= 0 || s.v_head_dim <= 0 || s.queries <= 0)
    throw Error("pim attention: heads, lengths and dims must be > 0");
  AttAccKernel k(cfg, max_spans);
  return k.run(s, heads);
}

nlohmann::json PimAttentionResult::to_json() const {
  return {{"cycles_tck", cycles},         {"ns", ns},
          {"commands", counts.to_json()}, {"bus_bytes", bus_bytes},
          {"energy_pj", energy_pj},       {"heads_per_channel", heads_per_channel}};
}

PimAttentionResult run_attacc_attention(const PimConfig& cfg, const AttentionShape& s,
                                        ChromeTrace* trace) {
  if (s.heads <= 0 || s.kv_len <= 0 || s.head_dim <= 0 || s.v_head_dim <= 0 || s.queries <= 0)
    throw Error("pim attention: heads, lengths and dims must be > 0 (got " +
                std::to_string(s.heads) + " heads, L " + std::to_string(s.kv_len) + ")");
  const dram::DramOrg& o = cfg.dram.org;
  // A head per (legacy) channel; its pseudo-channels split the sequence and run in lockstep.
  const auto heads_of = [&](int unit) -> int64_t {
    const int64_t c = unit / o.pseudo_channels;
    return s.heads > c ? ceil_div(s.heads - c, o.channels) : 0;
  };
  const size_t spans = trace ? 2000 : 0;
  const DeviceRun d = run_on_channels(
      cfg, heads_of, [&](int64_t heads) { return run_attacc_channel(cfg, s, heads, spans); },
      trace);
  PimAttentionResult r;
  r.cycles = d.cycles;
  r.ns = double(d.cycles) * cfg.dram.t.tck_ns;
  r.counts = d.counts;
  r.bus_bytes = d.bus_bytes;
  r.energy_pj = d.energy_pj;
  r.heads_per_channel = heads_of(0);
  return r;
}

}  // namespace nuri::sim::pim
