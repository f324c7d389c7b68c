#include "tools/nuri/bench_result.h"

#include <algorithm>

namespace nuri::cli {

TimeStats time_stats(std::vector<double> samples_ns) {
  if (samples_ns.empty()) return {};
  std::sort(samples_ns.begin(), samples_ns.end());
  return {samples_ns[samples_ns.size() / 2], samples_ns.front(), samples_ns.back()};
}

namespace {
std::optional<double> percent(double achieved, double peak) {
  if (peak <= 0) return std::nullopt;
  return 100.0 * achieved / peak;
}
}  // namespace

std::optional<double> BenchResult::pct_peak_compute() const {
  return flops > 0 ? percent(flops_per_s(), peak_ops_per_s) : std::nullopt;
}
std::optional<double> BenchResult::pct_peak_bandwidth() const {
  return percent(bytes_per_s(), peak_bytes_per_s);
}
std::optional<double> BenchResult::pct_measured_bandwidth() const {
  return percent(bytes_per_s(), measured_bytes_per_s);
}

}  // namespace nuri::cli
