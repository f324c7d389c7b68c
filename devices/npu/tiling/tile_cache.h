// Two alternating scratchpad buffers that remember which tile each holds, so an emitter
// reloads a tile only when it is not already on chip, and a new load lands in the buffer the
// current compute is not using (double buffering; the scoreboard orders the reuse).
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "simulator/npu/isa.h"

namespace nuri::npu {

class TileCache {
 public:
  using Key = std::pair<uint64_t, uint64_t>;
  TileCache(uint64_t base, uint64_t slot_bytes) : base_(base), slot_(slot_bytes) {}

  // Returns the byte address of `key`'s buffer; emits load(addr) into p if not resident.
  template <typename MakeLoad>
  uint64_t get(nuri::sim::npu::Program& p, Key key, MakeLoad make_load) {
    for (int s = 0; s < 2; ++s)
      if (valid_[s] && keys_[s] == key) {
        last_ = s;
        return base_ + s * slot_;
      }
    const int s = last_ < 0 ? 0 : 1 - last_;
    p.push(make_load(base_ + s * slot_));
    keys_[s] = key;
    valid_[s] = true;
    last_ = s;
    return base_ + s * slot_;
  }

 private:
  uint64_t base_, slot_;
  std::array<Key, 2> keys_{};
  std::array<bool, 2> valid_{};
  int last_ = -1;
};

}  // namespace nuri::npu
