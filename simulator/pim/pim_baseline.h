// The plain-DRAM baseline every PIM kernel is compared against: the same DRAM without PIM, the
// host streaming the kernel's operands over the bus through the FR-FCFS model (x, y and the
// host's own arithmetic assumed free, which favours the baseline).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "simulator/pim/pim_config.h"

namespace nuri::sim::pim {

struct BaselineResult {
  int64_t cycles = 0;  // tCK of the DRAM command clock
  double ns = 0;
  uint64_t bus_bytes = 0;
  double row_hit_rate = 0;
  double energy_pj = 0;
  double achieved_GBps = 0;
  nlohmann::json to_json() const;
};

// `read_bytes` then `write_bytes` spread burst by burst over every DRAM unit (channel or
// pseudo-channel), each read and written sequentially, `repeats` times one after another.
BaselineResult stream_baseline(const PimConfig& cfg, uint64_t read_bytes, uint64_t write_bytes,
                               int64_t repeats);

}  // namespace nuri::sim::pim
