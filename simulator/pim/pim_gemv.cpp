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
          {"units_used", units_used},
          {"k_splits", k_splits},
          {"split_cols", split_cols}};
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
  const int64_t upc = cfg_.units_per_channel(), channels = cfg_.dram.org.units();
  const int64_t tiles = (cols + cfg_.vector_elems - 1) / cfg_.vector_elems;
  const int64_t channels_needed = (rows + upc - 1) / upc;
  l.k_splits = 1;
  if (cfg_.gemv_mapping == GemvMapping::kRowInterleaved && channels_needed < channels)
    l.k_splits = std::min(channels / channels_needed, tiles);
  const int64_t tiles_per_split = (tiles + l.k_splits - 1) / l.k_splits;
  l.split_cols = std::min(cols, tiles_per_split * cfg_.vector_elems);
  l.k_splits = (cols + l.split_cols - 1) / l.split_cols;  // no empty group
  l.group_channels = channels / l.k_splits;
  const int64_t units = l.group_channels * upc;
  l.rows_per_unit = (rows + units - 1) / units;
  l.units_used = std::min(rows, units) * l.k_splits;
  const int64_t cols_per_block = int64_t(cfg_.banks_per_unit) * cfg_.dram.org.columns();
  const int64_t macs = unit_mac_columns(cfg_, l.rows_per_unit, l.split_cols);
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
      pim_gemv_numerics(cfg_, w, x + b * l.cols, l.rows, l.cols, r.y.data() + b * l.rows,
                        l.split_cols);
    }
  }
  // Channel c is in split group g = c / group_channels (idle past the last group) and computes
  // K chunk g. Within a group, row i goes to the group's unit i mod Ug; unit u of the group holds
  // ceil((M - u) / Ug) rows and a channel runs in lockstep for its busiest (first) unit.
  const int64_t upc = cfg_.units_per_channel(), ug = l.group_channels * upc;
  const auto rows_of = [&](int64_t u) { return l.rows > u ? (l.rows - u + ug - 1) / ug : 0; };
  const auto cols_of = [&](int64_t g) {
    return g < l.k_splits ? std::min(l.split_cols, l.cols - g * l.split_cols) : int64_t{0};
  };
  // A channel's work as one key: rows in the high half, K columns in the low.
  const auto channel_work = [&](int c) -> int64_t {
    const int64_t g = c / l.group_channels, cols = cols_of(g);
    const int64_t rows = cols > 0 ? rows_of((c % l.group_channels) * upc) : 0;
    return rows > 0 ? (rows << 32) | cols : 0;
  };
  const size_t spans = opt.trace ? opt.max_trace_spans_per_channel : 0;
  const ReferenceGemvWork ref = reference_gemv_work(cfg_, l.rows, l.cols, batch);
  const bool reference = cfg_.gemv_mapping == GemvMapping::kReference;
  const DeviceRun d =
      reference
          ? run_on_channels(
                cfg_, [](int) { return int64_t{1}; },
                [&](int64_t) { return run_reference_gemv_channel(cfg_, ref, spans); }, opt.trace)
          : run_on_channels(
                cfg_, channel_work,
                [&](int64_t work) {
                  return run_pim_channel(cfg_, {work >> 32, work & 0xffffffff, batch}, spans);
                },
                opt.trace);
  r.cycles = d.cycles;
  r.counts = d.counts;
  r.bus_bytes = d.bus_bytes;
  r.energy_pj = d.energy_pj;
  uint64_t useful_unit_macs = 0;
  for (int64_t g = 0; g < l.k_splits; ++g)
    for (int64_t u = 0; u < ug; ++u)
      useful_unit_macs += uint64_t(unit_mac_columns(cfg_, rows_of(u), cols_of(g)) * batch);
  const int64_t ut = cfg_.units_total();
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
