// High-level PIM elementwise kernel: c = a + b or a * b over n elements held in the PIM memory,
// functionally and/or in time, and the same operation on the same DRAM without PIM (the host
// reads a and b and writes c over the bus) as the baseline. Knows no graph types.
//
// Layout: element e sits in column e / lanes; column j goes to PIM unit j mod U (U = units in
// the device), so every unit's lanes work on consecutive elements; a, b and c occupy three row
// regions at the same column positions of every bank.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/common/chrome_trace.h"
#include "simulator/pim/pim_baseline.h"
#include "simulator/pim/pim_config.h"
#include "simulator/pim/pim_engine.h"
#include "simulator/pim/pim_numerics.h"

namespace nuri::sim::pim {

struct EltwiseLayout {
  std::string tensor;
  int64_t elems = 0;
  int64_t cols_per_unit = 0;       // the most columns any unit handles (of each operand)
  int64_t dram_rows_per_bank = 0;  // for a, b and c together (the mode row not included)
  int64_t units_used = 0;
  nlohmann::json to_json() const;
};

struct PimEltwiseResult {
  std::vector<float> y;  // empty if timing-only
  int64_t cycles = 0;    // tCK of the DRAM command clock
  double ns = 0;
  PimCounts counts;  // summed over channels
  double elems_per_ns = 0;
  uint64_t bus_bytes = 0;  // mode commands and instruction writes only: operands stay in memory
  double energy_pj = 0;
  bool has_baseline = false;
  BaselineResult baseline;
  double speedup = 0;  // baseline ns / PIM ns
  nlohmann::json to_json() const;
};

struct PimEltwiseOptions {
  bool functional = true;
  bool baseline = true;
  ChromeTrace* trace = nullptr;
  size_t max_trace_spans_per_channel = 2000;
};

class PimEltwise {
 public:
  explicit PimEltwise(PimConfig cfg);
  bool available() const { return cfg_.eltwise_cols > 0; }
  // nuri::Error naming the tensor if the config has no elementwise kernel or it does not fit.
  EltwiseLayout layout(const std::string& tensor, int64_t elems) const;
  // a, b: layout.elems values each (may be null when options.functional is false).
  PimEltwiseResult run(const EltwiseLayout& layout, EltwiseOp op, const float* a, const float* b,
                       const PimEltwiseOptions& options = {}) const;
  BaselineResult baseline(const EltwiseLayout& layout) const;
  const PimConfig& config() const { return cfg_; }

 private:
  PimConfig cfg_;
};

}  // namespace nuri::sim::pim
