#include "simulator/dram/scheduler.h"

#include <algorithm>
#include <limits>

#include "nuri/error.hpp"

namespace nuri::sim::dram {

UnitScheduler::UnitScheduler(Channel& ch, int queue_depth) : ch_(ch), depth_(queue_depth) {
  if (queue_depth < 1) throw Error("dram scheduler: queue_depth must be >= 1");
  claimed_.resize(size_t(ch.config().org.banks()));
  hits_.resize(claimed_.size());
  now_ = ch.last_cmd();
}

bool UnitScheduler::step(std::vector<int64_t>* done, int64_t* last_done) {
  if (q_.empty()) return false;
  std::fill(claimed_.begin(), claimed_.end(), 0);
  std::fill(hits_.begin(), hits_.end(), 0);
  for (const Entry& e : q_) {
    if (ch_.open_row(e.b.bank) == e.b.row) ++hits_[size_t(e.b.bank)];
  }
  size_t best = 0;
  Cmd best_cmd = Cmd::kCount;
  int64_t best_t = std::numeric_limits<int64_t>::max();
  int best_prio = 2;
  for (size_t i = 0; i < q_.size(); ++i) {
    const Entry& e = q_[i];
    const int bank = e.b.bank;
    const int64_t open = ch_.open_row(bank);
    Cmd c;
    int prio;
    if (open == e.b.row) {
      c = e.b.write ? Cmd::kWr : Cmd::kRd;
      prio = 0;
    } else {
      if (claimed_[size_t(bank)]) continue;  // the oldest burst of a bank drives its row cmds
      claimed_[size_t(bank)] = 1;
      if (open == kClosed) {
        c = Cmd::kAct;
      } else {
        if (hits_[size_t(bank)] > 0) continue;  // first-ready: drain hits before closing
        c = Cmd::kPre;
      }
      prio = 1;
    }
    const int64_t t = std::max({ch_.earliest(c, bank), e.b.arrival, now_});
    if (t < best_t || (t == best_t && prio < best_prio)) {
      best = i;
      best_cmd = c;
      best_t = t;
      best_prio = prio;
    }
  }
  if (best_cmd == Cmd::kCount) throw Error("dram scheduler: no issuable command (internal)");
  if (ch_.refresh_due(best_t)) {
    now_ = ch_.refresh(now_);
    return true;
  }
  Entry& e = q_[best];
  now_ = ch_.issue(best_cmd, e.b.bank, e.b.row, best_t);
  UnitCounters& cnt = ch_.counters();
  switch (best_cmd) {
    case Cmd::kAct:
      e.missed = true;
      break;
    case Cmd::kPre:
      e.conflicted = true;
      break;
    default: {
      const DramTiming& t = ch_.config().t;
      const int64_t end = now_ + (e.b.write ? t.CWL : t.CL) + ch_.config().org.burst_tck();
      if (e.conflicted) {
        ++cnt.row_conflicts;
      } else if (e.missed) {
        ++cnt.row_misses;
      } else {
        ++cnt.row_hits;
      }
      if (done) (*done)[size_t(e.b.tag)] = std::max((*done)[size_t(e.b.tag)], end);
      if (last_done) *last_done = std::max(*last_done, end);
      q_.erase(q_.begin() + std::ptrdiff_t(best));
      break;
    }
  }
  return true;
}

void UnitScheduler::run(const std::vector<UnitBurst>& bursts, std::vector<int64_t>& done) {
  size_t next = 0;
  for (;;) {
    while (int(q_.size()) < depth_ && next < bursts.size()) q_.push_back({bursts[next++]});
    if (!step(&done, nullptr)) break;
  }
}

void UnitScheduler::snapshot(int64_t row_base, std::vector<int64_t>& out) const {
  out.clear();
  ch_.snapshot(now_, row_base, out);
  for (const Entry& e : q_) {
    out.push_back(e.b.bank);
    out.push_back(e.b.row - row_base);
    out.push_back(int64_t(e.b.write) | int64_t(e.missed) << 1 | int64_t(e.conflicted) << 2);
    out.push_back(std::max<int64_t>(e.b.arrival - now_, 0));
  }
}

int64_t UnitScheduler::run_stream(const AddressMap& map, int unit, uint64_t first, uint64_t count,
                                  bool write, int64_t arrival) {
  const uint64_t period = map.bursts_per_period();
  const uint64_t end = first + count;
  uint64_t next = first;
  int64_t last_done = 0;
  std::vector<int64_t> snap, prev_snap;
  bool have_prev = false;
  int64_t prev_now = 0;
  UnitCounters prev_cnt;
  for (;;) {
    while (int(q_.size()) < depth_ && next < end) {
      if (next % period == 0 && next > first) {
        const int64_t row_base = int64_t(next / period);
        snapshot(row_base, snap);
        const UnitCounters& cnt = ch_.counters();
        const bool no_ref_between =
            have_prev && cnt.cmds[size_t(Cmd::kRef)] == prev_cnt.cmds[size_t(Cmd::kRef)];
        if (no_ref_between && snap == prev_snap && now_ > prev_now) {
          const int64_t delta = now_ - prev_now;
          const uint64_t room = end - next;
          int64_t n = room > uint64_t(depth_) ? int64_t((room - uint64_t(depth_)) / period) : 0;
          if (ch_.config().t.tREFI > 0) {
            n = std::min<int64_t>(n, (ch_.refresh_due_cycle() - 1 - now_) / delta);
          }
          if (n > 0) {
            const UnitCounters add = cnt.scaled_diff(prev_cnt, uint64_t(n));
            ch_.counters() += add;
            ch_.shift(n * delta, n);
            for (Entry& e : q_) e.b.row += n;
            now_ += n * delta;
            last_done += n * delta;
            next += uint64_t(n) * period;
            skipped_ += uint64_t(n);
            have_prev = false;
            continue;  // re-check the (new) boundary on the next push
          }
        }
        prev_snap.swap(snap);
        prev_now = now_;
        prev_cnt = ch_.counters();
        have_prev = true;
      }
      const DramAddress a = map.decode_local(unit, next++);
      q_.push_back({UnitBurst{a.bank, a.row, write, arrival, 0}});
    }
    if (!step(nullptr, &last_done)) break;
  }
  return last_done;
}

}  // namespace nuri::sim::dram
