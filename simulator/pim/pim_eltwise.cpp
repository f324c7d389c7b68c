#include "simulator/pim/pim_eltwise.h"

#include <algorithm>

#include "nuri/error.hpp"

namespace nuri::sim::pim {

nlohmann::json EltwiseLayout::to_json() const {
  return {{"tensor", tensor},
          {"elements", elems},
          {"cols_per_unit", cols_per_unit},
          {"dram_rows_per_bank", dram_rows_per_bank},
          {"units_used", units_used}};
}

nlohmann::json PimEltwiseResult::to_json() const {
  nlohmann::json j = {{"cycles_tck", cycles},         {"ns", ns},
                      {"commands", counts.to_json()}, {"elements_per_ns", elems_per_ns},
                      {"bus_bytes", bus_bytes},       {"energy_pj", energy_pj}};
  if (has_baseline) {
    j["baseline"] = baseline.to_json();
    j["speedup"] = speedup;
  }
  return j;
}

PimEltwise::PimEltwise(PimConfig cfg) : cfg_(std::move(cfg)) {}

EltwiseLayout PimEltwise::layout(const std::string& tensor, int64_t elems) const {
  if (!available())
    throw Error("pim layout: tensor '" + tensor + "': " + cfg_.name +
                " has no elementwise kernel (eltwise_cols = 0)");
  if (elems <= 0)
    throw Error("pim layout: tensor '" + tensor + "' must have elements (got " +
                std::to_string(elems) + ")");
  EltwiseLayout l;
  l.tensor = tensor;
  l.elems = elems;
  const int64_t units = cfg_.units_total();
  const int64_t cols = (elems + cfg_.lanes - 1) / cfg_.lanes;
  l.cols_per_unit = (cols + units - 1) / units;
  l.units_used = std::min(cols, units);
  const int64_t block = int64_t(cfg_.banks_per_unit) * cfg_.dram.org.columns();
  l.dram_rows_per_bank = 3 * ((l.cols_per_unit + block - 1) / block);
  if (l.dram_rows_per_bank + 1 > cfg_.dram.org.rows)
    throw Error("pim layout: tensor '" + tensor + "' (" + std::to_string(elems) +
                " elements, with its operand and result) needs " +
                std::to_string(l.dram_rows_per_bank + 1) + " rows per bank but " + cfg_.name +
                " has " + std::to_string(cfg_.dram.org.rows));
  return l;
}

BaselineResult PimEltwise::baseline(const EltwiseLayout& l) const {
  const uint64_t bytes = uint64_t(l.elems) * uint64_t(num_type_bytes(cfg_.input));
  return stream_baseline(cfg_, 2 * bytes, bytes, 1);
}

PimEltwiseResult PimEltwise::run(const EltwiseLayout& l, EltwiseOp op, const float* a,
                                 const float* b, const PimEltwiseOptions& opt) const {
  PimEltwiseResult r;
  if (opt.functional) {
    if (!a || !b) throw Error("pim eltwise '" + l.tensor + "': functional run needs a and b");
    r.y.resize(size_t(l.elems));
    pim_eltwise_numerics(cfg_, op, a, b, l.elems, r.y.data());
  }
  // Columns of unit u: j = u, u + U, ...; channel c runs in lockstep for its busiest unit c*U'.
  const int64_t upc = cfg_.units_per_channel(), ut = cfg_.units_total();
  const int64_t cols = (l.elems + cfg_.lanes - 1) / cfg_.lanes;
  const size_t spans = opt.trace ? opt.max_trace_spans_per_channel : 0;
  const DeviceRun d = run_on_channels(
      cfg_,
      [&](int c) {
        const int64_t u0 = int64_t(c) * upc;
        return cols > u0 ? (cols - u0 + ut - 1) / ut : 0;
      },
      [&](int64_t n) { return run_pim_eltwise_channel(cfg_, n, spans); }, opt.trace);
  r.cycles = d.cycles;
  r.counts = d.counts;
  r.bus_bytes = d.bus_bytes;
  r.energy_pj = d.energy_pj;
  r.ns = double(r.cycles) * cfg_.dram.t.tck_ns;
  r.elems_per_ns = r.ns > 0 ? double(l.elems) / r.ns : 0.0;
  if (opt.baseline) {
    r.baseline = baseline(l);
    r.has_baseline = true;
    r.speedup = r.ns > 0 ? r.baseline.ns / r.ns : 0.0;
    if (opt.trace) {
      opt.trace->name_process(1, cfg_.dram.name + " baseline (no PIM)");
      opt.trace->name_track(1, 0, "a, b read and c written over the bus");
      opt.trace->span(1, 0, std::string(eltwise_op_name(op)) + " " + l.tensor, "baseline", 0.0,
                      r.baseline.ns * 1e-3);
    }
  }
  return r;
}

}  // namespace nuri::sim::pim
