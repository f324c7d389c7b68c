// Timing of one PIM channel (a DRAM unit: an HBM pseudo-channel or a GDDR6 channel) running a
// GEMV kernel, command by command on the DRAM timing model: mode switches, instruction-buffer
// and vector writes over the bus, all-bank ACT (each bank's activation obeys tRRD and tFAW),
// all-bank MAC runs (mac_interval apart, closed form), PREA, result reads over the bus, and
// refreshes that interrupt the work and force a re-activation. All units of a channel work in
// lockstep on the same column. Times are tCK of the DRAM command clock.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "simulator/common/chrome_trace.h"
#include "simulator/dram/channel.h"
#include "simulator/pim/pim_config.h"

namespace nuri::sim::pim {

struct PimCounts {
  // Host commands (all-bank). mac: column operations that read the array into the units (MACs;
  // FILL/ADD/MUL of elementwise kernels); bank_writes: column operations storing unit registers
  // into the array (elementwise results).
  uint64_t ab_act = 0, ab_pre = 0, mac = 0, bank_writes = 0;
  uint64_t vector_write_bursts = 0, result_read_bursts = 0, crf_write_bursts = 0;
  uint64_t mode_switches = 0, refreshes = 0;
  uint64_t bank_acts = 0;  // bank activations (ACT counts per bank)
  PimCounts& operator+=(const PimCounts& o);
  PimCounts times(uint64_t n) const;
  nlohmann::json to_json() const;
};

struct PhaseSpan {
  const char* name;
  int64_t start, end;  // tCK
};

// Work of one channel: every unit holds `rows` output rows of K elements (units with fewer
// rows idle in lockstep); `batch` x vectors are processed one after another.
struct ChannelWork {
  int64_t rows = 0, cols = 0, batch = 1;
};

struct ChannelRun {
  int64_t end_tck = 0;
  PimCounts counts;
  dram::UnitCounters dram;
  std::vector<PhaseSpan> spans;
};

ChannelRun run_pim_channel(const PimConfig& cfg, const ChannelWork& work, size_t max_spans);

// An elementwise kernel (c = a + b or a * b) on one channel: every unit handles `cols` columns
// of each operand (lanes elements per column), a, b and c held in three separate row regions.
// Per step of cfg.eltwise_cols columns (what the unit's registers hold): open a's rows and FILL
// the registers, open b's rows and ADD/MUL into them, open c's rows and store them (in-bank
// writes, tWR before the precharge). Every step switches rows three times: the operands share
// banks. cfg.eltwise_cols must be > 0.
ChannelRun run_pim_eltwise_channel(const PimConfig& cfg, int64_t cols, size_t max_spans);

// Energy of a channel run (pJ): bank activations, array reads and lane MACs of every unit,
// array writes, bursts over the bus, refreshes (per-command energies of the DRAM config).
double channel_energy_pj(const PimConfig& cfg, const ChannelRun& run);

// A kernel over every channel of the device: channels run in parallel, each in lockstep for its
// busiest unit. `work_of(c)` is channel c's work (0: idle); `simulate(work)` times it, once per
// distinct amount (channels with the same work start from the same state). The time is the
// slowest channel's; counts, bus bytes and energy are summed. With `trace`, each channel's
// phases become track c of process 0.
struct DeviceRun {
  int64_t cycles = 0;  // tCK
  PimCounts counts;
  uint64_t bus_bytes = 0;
  double energy_pj = 0;
};
DeviceRun run_on_channels(const PimConfig& cfg, const std::function<int64_t(int)>& work_of,
                          const std::function<ChannelRun(int64_t)>& simulate, ChromeTrace* trace);

// MAC columns one unit consumes for `rows` x `cols`: per x tile, ceil(tile / lanes) columns per
// row (the layout pads each tile to whole columns).
int64_t unit_mac_columns(const PimConfig& cfg, int64_t rows, int64_t cols);

}  // namespace nuri::sim::pim
