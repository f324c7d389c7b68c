#include "simulator/dram/dram.h"

#include <algorithm>

#include "nuri/error.hpp"

namespace nuri::sim::dram {

double DramStats::achieved_bytes_per_ns() const {
  const double ns = elapsed_ns();
  return ns > 0 ? double(totals.bytes_read + totals.bytes_written) / ns : 0.0;
}

double DramStats::row_hit_rate() const {
  const uint64_t n = totals.row_hits + totals.row_misses + totals.row_conflicts;
  return n ? double(totals.row_hits) / double(n) : 0.0;
}

nlohmann::json DramStats::to_json() const {
  nlohmann::json cmds;
  for (int i = 0; i < int(Cmd::kCount); ++i) cmds[cmd_name(Cmd(i))] = totals.cmds[size_t(i)];
  return {{"commands", cmds},
          {"bank_activations", totals.bank_acts},
          {"row_hits", totals.row_hits},
          {"row_misses", totals.row_misses},
          {"row_conflicts", totals.row_conflicts},
          {"row_hit_rate", row_hit_rate()},
          {"bytes_read", totals.bytes_read},
          {"bytes_written", totals.bytes_written},
          {"elapsed_tck", last_done - first_arrival},
          {"elapsed_ns", elapsed_ns()},
          {"achieved_GBps", achieved_bytes_per_ns()},
          {"peak_GBps", peak_bytes_per_ns},
          {"energy_pj", energy_pj}};
}

double dram_energy_pj(const DramConfig& cfg, const UnitCounters& c) {
  const DramEnergy& e = cfg.energy;
  const double bb = cfg.org.burst_bytes();
  const double rd = double(c.bytes_read) / bb, wr = double(c.bytes_written) / bb;
  return double(c.bank_acts) * e.act_pj + rd * (e.array_rd_pj + e.io_pj) +
         wr * (e.array_wr_pj + e.io_pj) +
         double(c.cmds[size_t(Cmd::kRef)] - c.bank_refreshes) * e.ref_pj +
         double(c.bank_refreshes) * e.ref_pj / cfg.org.banks();
}

Dram::Dram(DramConfig cfg, int queue_depth, bool refresh)
    : cfg_(std::move(cfg)), map_(cfg_.org), depth_(queue_depth), refresh_(refresh) {
  reset();
}

void Dram::reset() {
  channels_.clear();
  scheds_.clear();
  for (int u = 0; u < cfg_.org.units(); ++u) {
    channels_.push_back(std::make_unique<Channel>(cfg_, refresh_));
    scheds_.push_back(std::make_unique<UnitScheduler>(*channels_.back(), depth_));
  }
  first_arrival_ = -1;
  last_done_ = 0;
}

std::vector<int64_t> Dram::serve(const std::vector<Request>& requests) {
  std::vector<std::vector<UnitBurst>> per_unit(size_t(cfg_.org.units()));
  const uint64_t bb = uint64_t(cfg_.org.burst_bytes());
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    if (r.bytes == 0) throw Error("dram serve: request " + std::to_string(i) + " has 0 bytes");
    if (i > 0 && r.arrival < requests[i - 1].arrival) {
      throw Error("dram serve: requests must be sorted by arrival (request " + std::to_string(i) +
                  ")");
    }
    for (uint64_t b = r.addr / bb; b <= (r.addr + r.bytes - 1) / bb; ++b) {
      const DramAddress a = map_.decode(b * bb);
      per_unit[size_t(a.unit)].push_back({a.bank, a.row, r.is_write, r.arrival, int64_t(i)});
    }
    if (first_arrival_ < 0) first_arrival_ = r.arrival;
  }
  std::vector<int64_t> done(requests.size(), 0);
  for (size_t u = 0; u < per_unit.size(); ++u) scheds_[u]->run(per_unit[u], done);
  for (int64_t d : done) last_done_ = std::max(last_done_, d);
  return done;
}

int64_t Dram::stream(int64_t arrival, uint64_t addr, uint64_t bytes, bool is_write) {
  if (bytes == 0) return arrival;
  if (addr + bytes > cfg_.org.capacity_bytes()) {
    throw Error("dram stream: [" + std::to_string(addr) + ", +" + std::to_string(bytes) +
                ") exceeds capacity " + std::to_string(cfg_.org.capacity_bytes()) + " B");
  }
  if (first_arrival_ < 0) first_arrival_ = arrival;
  const uint64_t bb = uint64_t(cfg_.org.burst_bytes()), units = uint64_t(cfg_.org.units());
  const uint64_t b0 = addr / bb, b1 = (addr + bytes - 1) / bb;  // inclusive global bursts
  int64_t done = arrival;
  for (uint64_t u = 0; u < units; ++u) {
    // Global bursts b0..b1 with b % units == u are local indices lo..hi of unit u.
    const uint64_t first_g = b0 + (u + units - b0 % units) % units;
    if (first_g > b1) continue;
    const uint64_t count = (b1 - first_g) / units + 1;
    done = std::max(
        done, scheds_[u]->run_stream(map_, int(u), first_g / units, count, is_write, arrival));
  }
  last_done_ = std::max(last_done_, done);
  return done;
}

DramStats Dram::stats() const {
  DramStats s;
  for (const auto& c : channels_) s.totals += c->counters();
  s.first_arrival = std::max<int64_t>(first_arrival_, 0);
  s.last_done = last_done_;
  s.energy_pj = dram_energy_pj(cfg_, s.totals);
  s.tck_ns = cfg_.t.tck_ns;
  s.peak_bytes_per_ns = cfg_.peak_bytes_per_ns();
  return s;
}

}  // namespace nuri::sim::dram
