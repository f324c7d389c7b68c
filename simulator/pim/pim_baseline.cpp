#include "simulator/pim/pim_baseline.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "simulator/dram/dram.h"
#include "simulator/dram/scheduler.h"

namespace nuri::sim::pim {

nlohmann::json BaselineResult::to_json() const {
  return {{"cycles_tck", cycles},   {"ns", ns},
          {"bus_bytes", bus_bytes}, {"row_hit_rate", row_hit_rate},
          {"energy_pj", energy_pj}, {"achieved_GBps", achieved_GBps}};
}

BaselineResult stream_baseline(const PimConfig& cfg, uint64_t read_bytes, uint64_t write_bytes,
                               int64_t repeats) {
  // Units with the same burst counts start from the same state and so take the same time: each
  // distinct pair of counts is simulated once.
  const dram::DramConfig& dc = cfg.dram;
  const dram::AddressMap map(dc.org);
  const uint64_t bb = uint64_t(dc.org.burst_bytes()), units = uint64_t(dc.org.units());
  const uint64_t rd_bursts = (read_bytes + bb - 1) / bb, wr_bursts = (write_bytes + bb - 1) / bb;
  const auto share = [&](uint64_t bursts, uint64_t u) {
    return bursts > u ? (bursts - u + units - 1) / units : 0;
  };
  std::map<std::pair<uint64_t, uint64_t>, std::pair<int64_t, dram::UnitCounters>> memo;
  BaselineResult r;
  dram::UnitCounters total;
  for (uint64_t u = 0; u < units; ++u) {
    const uint64_t nr = share(rd_bursts, u), nw = share(wr_bursts, u);
    if (nr + nw == 0) continue;
    auto it = memo.find({nr, nw});
    if (it == memo.end()) {
      dram::Channel ch(dc);
      dram::UnitScheduler s(ch);
      int64_t end = 0;
      for (int64_t b = 0; b < repeats; ++b) {
        if (nr) end = s.run_stream(map, int(u), 0, nr, false, end);
        if (nw) end = s.run_stream(map, int(u), nr, nw, true, end);  // after the reads' rows
      }
      it = memo.emplace(std::make_pair(nr, nw), std::make_pair(end, ch.counters())).first;
    }
    r.cycles = std::max(r.cycles, it->second.first);
    total += it->second.second;
  }
  r.ns = double(r.cycles) * dc.t.tck_ns;
  r.bus_bytes = total.bytes_read + total.bytes_written;
  const uint64_t acc = total.row_hits + total.row_misses + total.row_conflicts;
  r.row_hit_rate = acc ? double(total.row_hits) / double(acc) : 0.0;
  r.energy_pj = dram::dram_energy_pj(dc, total);
  r.achieved_GBps = r.ns > 0 ? double(r.bus_bytes) / r.ns : 0.0;
  return r;
}

}  // namespace nuri::sim::pim
