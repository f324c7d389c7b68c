#include "simulator/dram/channel.h"

#include <algorithm>
#include <string>

#include "nuri/error.hpp"

namespace nuri::sim::dram {

const char* cmd_name(Cmd c) {
  switch (c) {
    case Cmd::kAct:
      return "ACT";
    case Cmd::kPre:
      return "PRE";
    case Cmd::kRd:
      return "RD";
    case Cmd::kWr:
      return "WR";
    case Cmd::kRef:
      return "REF";
    case Cmd::kMac:
      return "MAC";
    case Cmd::kCount:
      break;
  }
  return "?";
}

UnitCounters& UnitCounters::operator+=(const UnitCounters& o) {
  for (size_t i = 0; i < cmds.size(); ++i) cmds[i] += o.cmds[i];
  bank_acts += o.bank_acts;
  bytes_read += o.bytes_read;
  bytes_written += o.bytes_written;
  row_hits += o.row_hits;
  row_misses += o.row_misses;
  row_conflicts += o.row_conflicts;
  bank_refreshes += o.bank_refreshes;
  return *this;
}

UnitCounters UnitCounters::scaled_diff(const UnitCounters& older, uint64_t n) const {
  UnitCounters d;
  for (size_t i = 0; i < cmds.size(); ++i) d.cmds[i] = n * (cmds[i] - older.cmds[i]);
  d.bank_acts = n * (bank_acts - older.bank_acts);
  d.bytes_read = n * (bytes_read - older.bytes_read);
  d.bytes_written = n * (bytes_written - older.bytes_written);
  d.row_hits = n * (row_hits - older.row_hits);
  d.row_misses = n * (row_misses - older.row_misses);
  d.row_conflicts = n * (row_conflicts - older.row_conflicts);
  d.bank_refreshes = n * (bank_refreshes - older.bank_refreshes);
  return d;
}

Channel::Channel(const DramConfig& cfg, bool refresh, bool all_bank_refresh)
    : cfg_(cfg),
      refresh_(refresh),
      per_bank_refresh_(cfg.t.per_bank_refresh && !all_bank_refresh),
      banks_(size_t(cfg.org.banks())),
      groups_(size_t(cfg.org.groups())),
      ref_due_(per_bank_refresh_ ? cfg.t.tREFI_per_bank(cfg.org.banks()) : cfg.t.tREFI) {}

bool Channel::any_open() const {
  return std::any_of(banks_.begin(), banks_.end(),
                     [](const Bank& b) { return b.open_row != kClosed; });
}

int64_t Channel::earliest(Cmd c, int bank) const {
  const DramTiming& t = cfg_.t;
  switch (c) {
    case Cmd::kAct: {
      if (bank == kAllBanks) return earliest_broadcast_act(0, 1);
      const Bank& b = banks_[size_t(bank)];
      int64_t e = std::max({b.act_ready, act_ready_, groups_[size_t(bank_group(bank))].act_ready,
                            faw_[size_t(faw_idx_)], row_bus_ready_});
      return e;
    }
    case Cmd::kPre: {
      int64_t e = row_bus_ready_;
      if (bank == kAllBanks) {
        for (const Bank& b : banks_) {
          if (b.open_row != kClosed) e = std::max(e, b.prea_ready);
        }
      } else {
        e = std::max(e, banks_[size_t(bank)].pre_ready);
      }
      return e;
    }
    case Cmd::kRd:
    case Cmd::kWr: {
      int64_t e = std::max(col_ready_, c == Cmd::kRd ? rd_ready_ : wr_ready_);
      if (bank != kAllBanks) {
        const Group& g = groups_[size_t(bank_group(bank))];
        const Bank& b = banks_[size_t(bank)];
        e = std::max({e, c == Cmd::kRd ? b.col_ready : b.wr_col_ready, g.col_ready});
        if (c == Cmd::kRd) e = std::max(e, g.rd_ready);
      }
      return e;
    }
    case Cmd::kMac: {
      int64_t e = 0;
      if (bank == kAllBanks) {
        for (const Bank& b : banks_) e = std::max(e, b.col_ready);
      } else {
        e = banks_[size_t(bank)].col_ready;
      }
      return e;
    }
    case Cmd::kRef: {
      int64_t e = row_bus_ready_;
      if (bank != kAllBanks) return std::max(e, banks_[size_t(bank)].act_ready);
      for (const Bank& b : banks_) e = std::max(e, b.act_ready);
      (void)t;
      return e;
    }
    case Cmd::kCount:
      break;
  }
  return 0;
}

int64_t Channel::issue(Cmd c, int bank, int64_t row, int64_t at) {
  if (c == Cmd::kAct && bank == kAllBanks) return issue_broadcast_act(row, at, 0, 1);
  const DramTiming& t = cfg_.t;
  const int burst = cfg_.org.burst_tck();
  const int64_t when = std::max(at, earliest(c, bank));
  auto need_open = [&](int b) {
    if (banks_[size_t(b)].open_row == kClosed) {
      throw Error(std::string("dram channel: ") + cmd_name(c) + " to closed bank " +
                  std::to_string(b));
    }
  };
  switch (c) {
    case Cmd::kAct: {
      open_bank(bank, row, when);
      act_ready_ = when + t.tRRD_S;
      groups_[size_t(bank_group(bank))].act_ready = when + t.tRRD_L;
      faw_[size_t(faw_idx_)] = when + t.tFAW;
      faw_idx_ = (faw_idx_ + 1) % 4;
      row_bus_ready_ = when + 1;
      break;
    }
    case Cmd::kPre: {
      auto close = [&](Bank& b) {
        if (b.open_row == kClosed) return;
        b.open_row = kClosed;
        b.act_ready = std::max(b.act_ready, when + t.tRP);
      };
      if (bank == kAllBanks) {
        for (Bank& b : banks_) close(b);
      } else {
        close(banks_[size_t(bank)]);
      }
      row_bus_ready_ = when + 1;
      break;
    }
    case Cmd::kRd:
    case Cmd::kWr: {
      const bool rd = c == Cmd::kRd;
      col_ready_ = when + t.tCCD_S;
      if (rd) {
        wr_ready_ = std::max(wr_ready_, when + t.CL + burst + t.tRTW - t.CWL);
        last_data_end_ = std::max(last_data_end_, when + t.CL + burst);
        cnt_.bytes_read += uint64_t(cfg_.org.burst_bytes());
      } else {
        rd_ready_ = std::max(rd_ready_, when + t.CWL + burst + t.tWTR_S);
        last_data_end_ = std::max(last_data_end_, when + t.CWL + burst);
        cnt_.bytes_written += uint64_t(cfg_.org.burst_bytes());
      }
      if (bank != kAllBanks) {
        need_open(bank);
        Group& g = groups_[size_t(bank_group(bank))];
        g.col_ready = when + t.tCCD_L;
        Bank& b = banks_[size_t(bank)];
        if (rd) {
          b.pre_ready = std::max(b.pre_ready, when + t.tRTP);
          b.prea_ready = std::max(b.prea_ready, when + t.tRTP_S);
        } else {
          g.rd_ready = std::max(g.rd_ready, when + t.CWL + burst + t.tWTR_L);
          b.pre_ready = std::max(b.pre_ready, when + t.CWL + burst + t.tWR);
          b.prea_ready = std::max(b.prea_ready, b.pre_ready);
        }
      }
      break;
    }
    case Cmd::kMac: {
      // A PIM column operation: reads the array like RD but feeds the bank's unit, not the bus.
      auto mac = [&](Bank& b) {
        b.pre_ready = std::max(b.pre_ready, when + t.tRTP);
        b.prea_ready = std::max(b.prea_ready, b.pre_ready);
      };
      if (bank == kAllBanks) {
        for (size_t i = 0; i < banks_.size(); ++i) need_open(int(i));
        for (Bank& b : banks_) mac(b);
      } else {
        need_open(bank);
        mac(banks_[size_t(bank)]);
      }
      break;
    }
    case Cmd::kRef: {
      row_bus_ready_ = when + 1;
      if (bank != kAllBanks) {  // per-bank: the bank is busy tRFCsb, the others tRREFD
        if (banks_[size_t(bank)].open_row != kClosed)
          throw Error("dram channel: REF to open bank " + std::to_string(bank));
        for (Bank& b : banks_) b.act_ready = std::max(b.act_ready, when + t.tRREFD);
        banks_[size_t(bank)].act_ready = when + t.tRFCsb;
        ref_due_ += t.tREFI_per_bank(cfg_.org.banks());
        ++cnt_.bank_refreshes;
        break;
      }
      if (any_open()) throw Error("dram channel: REF with open banks");
      for (Bank& b : banks_) b.act_ready = when + t.tRFC;
      ref_due_ += t.tREFI;
      break;
    }
    case Cmd::kCount:
      break;
  }
  ++cnt_.cmds[size_t(c)];
  last_cmd_ = std::max(last_cmd_, when);
  return when;
}

void Channel::open_bank(int bank, int64_t row, int64_t when) {
  const DramTiming& t = cfg_.t;
  Bank& b = banks_[size_t(bank)];
  if (b.open_row != kClosed) throw Error("dram channel: ACT to open bank " + std::to_string(bank));
  b.open_row = row;
  b.col_ready = when + t.tRCD;
  b.wr_col_ready = when + t.tRCD_WR;
  b.pre_ready = std::max(b.pre_ready, when + t.tRAS);
  b.prea_ready = std::max(b.prea_ready, b.pre_ready);
  b.act_ready = when + t.tRC;
  ++cnt_.bank_acts;
}

int64_t Channel::earliest_broadcast_act(int first, int stride) const {
  int64_t e = std::max({act_ready_, row_bus_ready_, faw_[size_t(faw_idx_)]});
  for (size_t i = size_t(first); i < banks_.size(); i += size_t(stride)) {
    e = std::max(e, banks_[i].act_ready);
    e = std::max(e, groups_[size_t(bank_group(int(i)))].act_ready);
  }
  return e;
}

int64_t Channel::issue_broadcast_act(int64_t row, int64_t at, int first, int stride) {
  if (first < 0 || stride < 1 || first >= stride)
    throw Error("dram channel: bad broadcast ACT bank set");
  const DramTiming& t = cfg_.t;
  const int64_t when = std::max(at, earliest_broadcast_act(first, stride));
  for (size_t i = size_t(first); i < banks_.size(); i += size_t(stride))
    open_bank(int(i), row, when);
  act_ready_ = when + t.tRRD_L;
  for (Group& g : groups_) g.act_ready = std::max(g.act_ready, when + t.tRRD_L);
  faw_[size_t(faw_idx_)] = when + t.tFAW;
  faw_idx_ = (faw_idx_ + 1) % 4;
  row_bus_ready_ = when + 1;
  ++cnt_.cmds[size_t(Cmd::kAct)];
  last_cmd_ = std::max(last_cmd_, when);
  return when;
}

int64_t Channel::refresh(int64_t t) {
  int64_t start = std::max(t, ref_due_);
  if (per_bank_refresh_) {
    const int bank = next_refresh_bank_;
    next_refresh_bank_ = (bank + 1) % int(banks_.size());
    if (banks_[size_t(bank)].open_row != kClosed) start = issue(Cmd::kPre, bank, 0, start);
    return issue(Cmd::kRef, bank, 0, start);
  }
  if (any_open()) start = issue(Cmd::kPre, kAllBanks, 0, start);
  return issue(Cmd::kRef, kAllBanks, 0, start);
}

int64_t Channel::issue_mac_run(int64_t t, int64_t n, int interval, bool writes_array) {
  if (n <= 0) return 0;
  const int64_t t0 = std::max(t, earliest(Cmd::kMac, kAllBanks));
  int64_t k = n;
  if (refresh_) {
    if (t0 >= ref_due_) return 0;
    k = std::min(n, (ref_due_ - 1 - t0) / interval + 1);
  }
  for (size_t i = 0; i < banks_.size(); ++i) {
    if (banks_[i].open_row == kClosed) throw Error("dram channel: MAC to closed bank");
  }
  const int64_t last = t0 + (k - 1) * interval;
  const int64_t recovery =
      writes_array ? int64_t(cfg_.t.CWL) + cfg_.org.burst_tck() + cfg_.t.tWR : int64_t(cfg_.t.tRTP);
  for (Bank& b : banks_) {
    b.pre_ready = std::max(b.pre_ready, last + recovery);
    b.prea_ready = std::max(b.prea_ready, b.pre_ready);
  }
  cnt_.cmds[size_t(Cmd::kMac)] += uint64_t(k);
  last_cmd_ = std::max(last_cmd_, last);
  return k;
}

void Channel::snapshot(int64_t now, int64_t row_base, std::vector<int64_t>& out) const {
  auto rel = [&](int64_t v) { return std::max<int64_t>(v - now, 0); };
  for (const Bank& b : banks_) {
    out.push_back(b.open_row == kClosed ? INT64_MIN : b.open_row - row_base);
    out.push_back(rel(b.act_ready));
    out.push_back(rel(b.col_ready));
    out.push_back(rel(b.pre_ready));
    out.push_back(rel(b.prea_ready));
    out.push_back(rel(b.wr_col_ready));
  }
  for (const Group& g : groups_) {
    out.push_back(rel(g.col_ready));
    out.push_back(rel(g.act_ready));
    out.push_back(rel(g.rd_ready));
  }
  for (int64_t v : {col_ready_, act_ready_, rd_ready_, wr_ready_, row_bus_ready_}) {
    out.push_back(rel(v));
  }
  for (int i = 0; i < 4; ++i) out.push_back(rel(faw_[size_t((faw_idx_ + i) % 4)]));
}

void Channel::shift(int64_t dt, int64_t drow) {
  for (Bank& b : banks_) {
    if (b.open_row != kClosed) b.open_row += drow;
    b.act_ready += dt;
    b.col_ready += dt;
    b.pre_ready += dt;
    b.prea_ready += dt;
    b.wr_col_ready += dt;
  }
  for (Group& g : groups_) {
    g.col_ready += dt;
    g.act_ready += dt;
    g.rd_ready += dt;
  }
  for (int64_t* v : {&col_ready_, &act_ready_, &rd_ready_, &wr_ready_, &row_bus_ready_}) *v += dt;
  for (int64_t& v : faw_) v += dt;
  last_cmd_ += dt;
  last_data_end_ += dt;
}

}  // namespace nuri::sim::dram
