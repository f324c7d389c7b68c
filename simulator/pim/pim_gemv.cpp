#include "simulator/pim/pim_gemv.h"

#include <algorithm>

#include "nuri/error.hpp"
#include "simulator/dram/dram.h"
#include "simulator/dram/scheduler.h"
#include "simulator/pim/pim_numerics.h"
#include "simulator/pim/pim_reference_gemv.h"

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
  if (cfg_.gemv_mapping == GemvMapping::kReference)
    l.dram_rows_per_bank =
        reference_gemv_rows_per_bank(cfg_, reference_gemv_work(cfg_, rows, cols, 1));
  if (l.dram_rows_per_bank > cfg_.dram.org.rows) {
    throw Error("pim layout: tensor '" + tensor + "' (" + std::to_string(rows) + " x " +
                std::to_string(cols) + ") needs " + std::to_string(l.dram_rows_per_bank) +
                " rows per bank but " + cfg_.name + " has " + std::to_string(cfg_.dram.org.rows));
  }
  return l;
}

BaselineResult PimGemv::baseline(const WeightLayout& l, int64_t batch) const {
  // The host streams W over the bus once per x vector; x and y stay on the host. The reference
  // mapping compares as PIMSimulator's bench does: W and x read, then y written.
  const uint64_t e = uint64_t(num_type_bytes(cfg_.input));
  const uint64_t bytes = uint64_t(l.rows) * uint64_t(l.cols) * e;
  if (cfg_.gemv_mapping == GemvMapping::kReference)
    return stream_baseline(cfg_, bytes + uint64_t(l.cols) * e, uint64_t(l.rows) * e, batch);
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
  const auto rows_of_unit = [&](int64_t u) { return l.rows > u ? (l.rows - u + ut - 1) / ut : 0; };
  const size_t spans = opt.trace ? opt.max_trace_spans_per_channel : 0;
  const ReferenceGemvWork ref = reference_gemv_work(cfg_, l.rows, l.cols, batch);
  const bool reference = cfg_.gemv_mapping == GemvMapping::kReference;
  const DeviceRun d =
      reference
          ? run_on_channels(
                cfg_, [](int) { return int64_t{1}; },
                [&](int64_t) { return run_reference_gemv_channel(cfg_, ref, spans); }, opt.trace)
          : run_on_channels(
                cfg_, [&](int c) { return rows_of_unit(int64_t(c) * upc); },
                [&](int64_t rows) {
                  return run_pim_channel(cfg_, {rows, l.cols, batch}, spans);
                },
                opt.trace);
  r.cycles = d.cycles;
  r.counts = d.counts;
  r.bus_bytes = d.bus_bytes;
  r.energy_pj = d.energy_pj;
  uint64_t useful_unit_macs = 0;
  for (int64_t u = 0; u < ut; ++u)
    useful_unit_macs += uint64_t(unit_mac_columns(cfg_, rows_of_unit(u), l.cols) * batch);
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
    if (opt.trace) {
      opt.trace->name_process(1, cfg_.dram.name + " baseline (no PIM)");
      opt.trace->name_track(1, 0, "W streamed over the bus");
      opt.trace->span(1, 0, "GEMV " + l.tensor, "baseline", 0.0, r.baseline.ns * 1e-3);
    }
  }
  return r;
}

}  // namespace nuri::sim::pim
