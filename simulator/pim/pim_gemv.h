// High-level PIM GEMV: lay a weight matrix out over the banks, run y = W x (or a skinny GEMM
// with a few x vectors) functionally and/or in time, and the same GEMV on the same DRAM
// without PIM (W streamed over the bus) as the baseline. Knows no graph types.
//
// Layout (gemv_mapping row_interleaved): output row i goes to PIM unit i mod U (U = units in
// the device); a unit stores its rows' K elements in the order the kernel consumes them (per x
// tile, row after row), packed into its banks' DRAM rows so that one all-bank activation feeds
// banks_per_unit x columns MACs to every unit at once, each column giving all lanes one element.
// Short outputs (M rows fill fewer channels than the device has) split the reduction: the
// channels form k_splits groups, group g computing every row over K chunk g (whole x tiles; the
// x vector is broadcast per channel, so a channel holds one chunk), every group's partials read
// out and summed by the host. gemv_mapping reference: see pim_reference_gemv.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/common/chrome_trace.h"
#include "simulator/pim/pim_baseline.h"
#include "simulator/pim/pim_config.h"
#include "simulator/pim/pim_engine.h"

namespace nuri::sim::pim {

struct WeightLayout {
  std::string tensor;
  int64_t rows = 0, cols = 0;
  int64_t rows_per_unit = 0;       // the most any unit holds
  int64_t dram_rows_per_bank = 0;  // DRAM rows each bank uses (incl. the reserved mode row)
  int64_t units_used = 0;
  int64_t k_splits = 1;        // channel groups splitting the reduction (1: none)
  int64_t split_cols = 0;      // K columns per group (= cols without a split)
  int64_t group_channels = 0;  // channels per group
  nlohmann::json to_json() const;
};

struct PimRunOptions {
  bool functional = true;        // compute y (else timing only)
  bool baseline = true;          // also time the no-PIM GEMV on the same DRAM
  ChromeTrace* trace = nullptr;  // per-channel tracks when set
  size_t max_trace_spans_per_channel = 2000;
};

struct PimGemvResult {
  std::vector<float> y;  // rows x batch, vector-major (y[b * rows + i]); empty if timing-only
  int64_t cycles = 0;    // tCK of the DRAM command clock
  double ns = 0;
  PimCounts counts;   // summed over channels
  double gflops = 0;  // useful 2*M*K*batch flops / ns
  double peak_gflops = 0;
  double unit_utilization = 0;  // useful unit-MACs / (units x MAC slots of the whole run)
  double row_hit_rate = 0;      // MAC column accesses that found their row open
  uint64_t bus_bytes = 0;       // vector writes + result reads + instructions + mode commands
  double energy_pj = 0;
  bool has_baseline = false;
  BaselineResult baseline;
  double speedup = 0;  // baseline ns / PIM ns
  nlohmann::json to_json() const;
};

class PimGemv {
 public:
  explicit PimGemv(PimConfig cfg);
  // nuri::Error naming the tensor if it does not fit in the PIM memory.
  WeightLayout layout(const std::string& tensor, int64_t rows, int64_t cols) const;
  // w: rows x cols row-major, x: batch vectors of cols (x[b * cols + k]); w/x may be null when
  // options.functional is false.
  PimGemvResult run(const WeightLayout& layout, const float* w, const float* x, int64_t batch,
                    const PimRunOptions& options = {}) const;
  BaselineResult baseline(const WeightLayout& layout, int64_t batch) const;
  const PimConfig& config() const { return cfg_; }

 private:
  PimConfig cfg_;
};

}  // namespace nuri::sim::pim
