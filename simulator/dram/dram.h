// A whole DRAM device at command level: one Channel + FR-FCFS UnitScheduler per unit
// (channel or pseudo-channel), the address map, and aggregate stats. Times are tCK of the
// DRAM command clock unless a name says _ns.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/dram/address_map.h"
#include "simulator/dram/channel.h"
#include "simulator/dram/dram_config.h"
#include "simulator/dram/scheduler.h"

namespace nuri::sim::dram {

struct Request {
  int64_t arrival = 0;  // tCK
  uint64_t addr = 0;
  uint64_t bytes = 0;
  bool is_write = false;
};

struct DramStats {
  UnitCounters totals;
  int64_t first_arrival = 0, last_done = 0;  // tCK
  double energy_pj = 0;
  double tck_ns = 0;
  double peak_bytes_per_ns = 0;
  double elapsed_ns() const { return double(last_done - first_arrival) * tck_ns; }
  double achieved_bytes_per_ns() const;
  double row_hit_rate() const;
  nlohmann::json to_json() const;
};

// Energy of a set of counters from the per-command figures (bursts over the bus pay io_pj).
double dram_energy_pj(const DramConfig& cfg, const UnitCounters& c);

class Dram {
 public:
  explicit Dram(DramConfig cfg, int queue_depth = 32, bool refresh = true);

  // Completion cycle (last data beat) of each request; bursts are routed to units by the
  // address map and each unit serves its bursts FR-FCFS.
  std::vector<int64_t> serve(const std::vector<Request>& requests);
  // One contiguous transfer arriving at `arrival`; returns its completion cycle. Uses the
  // fast-forwarding sequential path in every unit.
  int64_t stream(int64_t arrival, uint64_t addr, uint64_t bytes, bool is_write);

  DramStats stats() const;
  void reset();
  const DramConfig& config() const { return cfg_; }
  const AddressMap& map() const { return map_; }
  Channel& channel(int unit) { return *channels_[size_t(unit)]; }

 private:
  DramConfig cfg_;
  AddressMap map_;
  int depth_;
  bool refresh_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<UnitScheduler>> scheds_;
  int64_t first_arrival_ = -1, last_done_ = 0;
};

}  // namespace nuri::sim::dram
