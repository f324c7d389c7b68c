#include "simulator/pim/pim_gemv.h"

#include <algorithm>
#include <map>

#include "nuri/error.hpp"
#include "simulator/dram/dram.h"
#include "simulator/dram/scheduler.h"
#include "simulator/pim/pim_numerics.h"

namespace nuri::sim::pim {

nlohmann::json WeightLayout::to_json() const {
  return {{"tensor", tensor},
          {"rows", rows},
          {"cols", cols},
          {"rows_per_unit", rows_per_unit},
          {"dram_rows_per_bank", dram_rows_per_bank},
          {"units_used", units_used}};
}

nlohmann::json PimGemvResult::to_json() const {
  nlohmann::json j = {{"cycles_tck", cycles},         {"ns", ns},
                      {"commands", counts.to_json()}, {"gflops", gflops},
                      {"peak_gflops", peak_gflops},   {"unit_utilization", unit_utilization},
                      {"row_hit_rate", row_hit_rate}, {"bus_bytes", bus_bytes},
                      {"energy_pj", energy_pj}};
  if (has_baseline) {
    j["baseline"] = baseline.to_json();
    j["speedup"] = speedup;
  }
  return j;
}

PimGemv::PimGemv(PimConfig cfg) : cfg_(std::move(cfg)) {}

WeightLayout PimGemv::layout(const std::string& tensor, int64_t rows, int64_t cols) const {
  if (rows <= 0 || cols <= 0) {
    throw Error("pim layout: tensor '" + tensor + "' must have positive shape (got " +
                std::to_string(rows) + " x " + std::to_string(cols) + ")");
  }
  WeightLayout l;
  l.tensor = tensor;
  l.rows = rows;
  l.cols = cols;
  const int64_t units = cfg_.units_total();
  l.rows_per_unit = (rows + units - 1) / units;
  l.units_used = std::min(rows, units);
  const int64_t cols_per_block = int64_t(cfg_.banks_per_unit) * cfg_.dram.org.columns();
  const int64_t macs = unit_mac_columns(cfg_, l.rows_per_unit, cols);
  l.dram_rows_per_bank = (macs + cols_per_block - 1) / cols_per_block + 1;  // + mode row
  if (l.dram_rows_per_bank > cfg_.dram.org.rows) {
    throw Error("pim layout: tensor '" + tensor + "' (" + std::to_string(rows) + " x " +
                std::to_string(cols) + ") needs " + std::to_string(l.dram_rows_per_bank) +
                " rows per bank but " + cfg_.name + " has " + std::to_string(cfg_.dram.org.rows));
  }
  return l;
}

BaselineResult PimGemv::baseline(const WeightLayout& l, int64_t batch) const {
  // The host streams W over the bus once per x vector; x and y stay on the host.
  const uint64_t bytes = uint64_t(l.rows) * uint64_t(l.cols) * uint64_t(num_type_bytes(cfg_.input));
  return stream_baseline(cfg_, bytes, 0, batch);
}

PimGemvResult PimGemv::run(const WeightLayout& l, const float* w, const float* x, int64_t batch,
                           const PimRunOptions& opt) const {
  if (batch <= 0) throw Error("pim gemv '" + l.tensor + "': batch must be > 0");
  PimGemvResult r;
  if (opt.functional) {
    if (!w || !x) throw Error("pim gemv '" + l.tensor + "': functional run needs W and x");
    r.y.resize(size_t(l.rows * batch));
    for (int64_t b = 0; b < batch; ++b) {
      pim_gemv_numerics(cfg_, w, x + b * l.cols, l.rows, l.cols, r.y.data() + b * l.rows);
    }
  }
  // Rows of channel c: its units are c*U .. c*U+U-1; unit u holds ceil((M - u) / Ut) rows and
  // the channel runs in lockstep for its busiest unit (unit c*U).
  const int64_t upc = cfg_.units_per_channel(), ut = cfg_.units_total();
  const int channels = cfg_.dram.org.units();
  std::map<int64_t, ChannelRun> memo;
  const bool tracing = opt.trace != nullptr;
  if (tracing) opt.trace->name_process(0, cfg_.name + " (PIM channels)");
  uint64_t useful_unit_macs = 0;
  for (int c = 0; c < channels; ++c) {
    const int64_t u0 = int64_t(c) * upc;
    const int64_t rows_c = l.rows > u0 ? (l.rows - u0 + ut - 1) / ut : 0;
    for (int64_t u = u0; u < u0 + upc; ++u) {
      const int64_t ru = l.rows > u ? (l.rows - u + ut - 1) / ut : 0;
      useful_unit_macs += uint64_t(unit_mac_columns(cfg_, ru, l.cols) * batch);
    }
    if (rows_c == 0) continue;
    auto it = memo.find(rows_c);
    if (it == memo.end()) {
      it = memo.emplace(rows_c, run_pim_channel(cfg_, {rows_c, l.cols, batch},
                                                tracing ? opt.max_trace_spans_per_channel : 0))
               .first;
    }
    const ChannelRun& cr = it->second;
    r.cycles = std::max(r.cycles, cr.end_tck);
    r.counts += cr.counts;
    r.bus_bytes += cr.dram.bytes_read + cr.dram.bytes_written;
    r.energy_pj += channel_energy_pj(cfg_, cr);
    if (tracing) trace_channel(*opt.trace, cfg_, c, cr);
  }
  r.ns = double(r.cycles) * cfg_.dram.t.tck_ns;
  r.peak_gflops = cfg_.peak_gflops();
  r.gflops = r.ns > 0 ? 2.0 * double(l.rows) * double(l.cols) * double(batch) / r.ns : 0.0;
  const double slots = double(r.cycles) / cfg_.mac_interval_tck * double(ut);
  r.unit_utilization = slots > 0 ? double(useful_unit_macs) / slots : 0.0;
  r.row_hit_rate = r.counts.mac ? double(r.counts.mac - std::min(r.counts.mac, r.counts.ab_act)) /
                                      double(r.counts.mac)
                                : 0.0;
  if (opt.baseline) {
    r.baseline = baseline(l, batch);
    r.has_baseline = true;
    r.speedup = r.ns > 0 ? r.baseline.ns / r.ns : 0.0;
    if (tracing) {
      opt.trace->name_process(1, cfg_.dram.name + " baseline (no PIM)");
      opt.trace->name_track(1, 0, "W streamed over the bus");
      opt.trace->span(1, 0, "GEMV " + l.tensor, "baseline", 0.0, r.baseline.ns * 1e-3);
    }
  }
  return r;
}

}  // namespace nuri::sim::pim
