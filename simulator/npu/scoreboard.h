// Per-core hazard tracking over memory regions. Each finished-in-time instruction leaves a
// record (region, end cycle, engine); a new instruction waits for the latest end among records
// it conflicts with: RAW (it reads what a record wrote), WAR and WAW (it writes what a record
// read or wrote). Records from the same engine are skipped: engines execute in order, and the
// array's in-order accumulator pipeline makes back-to-back accumulation into one tile safe.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/npu/isa.h"

namespace nuri::sim::npu {

struct Region {
  uint64_t lo = 0, hi = 0;  // byte extent
  uint64_t stride = 0;      // bytes between rows (== row for a dense region)
  uint64_t row = 0;         // bytes per row
  uint64_t end = 0;         // cycle the access completes
  uint32_t engine = 0;
};

Region region_of(const TileRef& t);
// True if the two regions may share a byte (exact for equal strides, else by extent).
bool regions_overlap(const Region& a, const Region& b);
// True if every byte of `inner` lies in `outer`.
bool region_covers(const Region& outer, const Region& inner);

struct Access {
  Space space;
  Region region;
  bool write;
};

class Scoreboard {
 public:
  // Earliest cycle at which an instruction on `engine` with these accesses may start.
  uint64_t ready(const Access* acc, size_t n, uint32_t engine) const;
  void record(const Access* acc, size_t n, uint32_t engine, uint64_t end);
  // Drops records that can no longer delay anything starting at or after `t`.
  void prune(uint64_t t);
  void clear();
  size_t size() const;

 private:
  // [space][0 = reads, 1 = writes]
  std::vector<Region> lists_[3][2];
};

}  // namespace nuri::sim::npu
