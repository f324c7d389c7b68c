// What `nuri bench` measured for one case on one device, and the counters derived from it.
// The table, JSON, CSV and roofline writers all read this one struct.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/nuri/bench_host.h"

namespace nuri::cli {

struct TimeStats {
  double median_ns = 0, min_ns = 0, max_ns = 0;
};
// Median (the upper middle for an even count), min and max; zeros for no samples.
TimeStats time_stats(std::vector<double> samples_ns);

struct BenchResult {
  std::string case_name, op, device;
  double flops = 0, bytes = 0;
  int64_t occurrences = 1;
  bool simulated = false;
  std::string error;  // why it did not run (unsupported op, compile failure); empty when it ran
  int repetitions = 0, iterations = 0;
  TimeStats time;       // headline: device time (measured, or simulated on simulators)
  TimeStats host_time;  // host wall time of a whole session run (transfers included)
  double peak_ops_per_s = 0, peak_bytes_per_s = 0;  // the device's declared peaks (0: none)
  double measured_bytes_per_s = 0;                  // STREAM copy on the host (cpu devices only)
  // Ratio of a reference time to ours (>1: we are faster): oneDNN direct (the median of the
  // interleaved repetitions' ratios) or a baseline run (its median over ours).
  std::optional<double> ratio;
  std::string ratio_to;  // "onednn" or the baseline file
  std::optional<TimeStats> reference_time;

  bool ran() const { return error.empty(); }
  double seconds() const { return time.median_ns * 1e-9; }
  double flops_per_s() const { return seconds() > 0 ? flops / seconds() : 0; }
  double bytes_per_s() const { return seconds() > 0 ? bytes / seconds() : 0; }
  // Percent of a peak, or nullopt when the device declares none.
  std::optional<double> pct_peak_compute() const;
  std::optional<double> pct_peak_bandwidth() const;
  std::optional<double> pct_measured_bandwidth() const;
};

// What the run was about: shown above the table and stored in the JSON context.
struct BenchContext {
  std::vector<CacheLevel> caches;
  std::optional<StreamResult> stream;
  int threads = 1;
};

}  // namespace nuri::cli
