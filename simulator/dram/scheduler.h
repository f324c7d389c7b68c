// Open-page FR-FCFS scheduler for one DRAM unit, at command granularity: at each step it finds
// the earliest cycle any queued burst's next command (RD/WR on a row hit, else PRE or ACT for
// the oldest burst of that bank) can issue, and issues the row-hit column command first among
// those ready then, oldest first. No per-cycle loop. A row with pending hits is not closed.
// Refresh is issued when due, before any later command. Times are tCK.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/dram/address_map.h"
#include "simulator/dram/channel.h"

namespace nuri::sim::dram {

struct UnitBurst {
  int bank = 0;
  int64_t row = 0;
  bool write = false;
  int64_t arrival = 0;  // cycle the burst enters the controller
  int64_t tag = 0;      // request index, for per-request completion
};

class UnitScheduler {
 public:
  UnitScheduler(Channel& ch, int queue_depth = 32);

  // Serves bursts (in arrival order); done[tag] = max(done[tag], cycle of its last data beat).
  void run(const std::vector<UnitBurst>& bursts, std::vector<int64_t>& done);
  // Serves `count` sequential local bursts from local index `first` (see address_map.h), all
  // arriving at `arrival`; returns the cycle of the last data beat. Exact fast-forward: when the
  // state at two consecutive period boundaries (all banks' rows once) is identical up to a time
  // shift, the following periods up to the next refresh are skipped in closed form.
  int64_t run_stream(const AddressMap& map, int unit, uint64_t first, uint64_t count, bool write,
                     int64_t arrival);
  int64_t now() const { return now_; }
  uint64_t periods_skipped() const { return skipped_; }

 private:
  struct Entry {
    UnitBurst b;
    bool missed = false, conflicted = false;
  };
  // Issues one command; returns false when the queue is empty.
  bool step(std::vector<int64_t>* done, int64_t* last_done);
  void snapshot(int64_t row_base, std::vector<int64_t>& out) const;

  Channel& ch_;
  int depth_;
  std::vector<Entry> q_;
  std::vector<int> claimed_, hits_;
  int64_t now_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace nuri::sim::dram
