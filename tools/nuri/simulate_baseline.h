// nuri simulate --baseline PREV.json --tolerance 2%: the gated metrics compared with an earlier
// run's summary, and a table of those that got worse by more than the tolerance.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nuri::cli {

// Exit code of `nuri simulate` when a metric regressed past the tolerance.
inline constexpr int kRegressionExitCode = 3;

struct Regression {
  std::string metric;
  double baseline = 0, current = 0, change_pct = 0;  // change: + is worse
};

// "2%", "2" or "0.5%" -> percent. Throws naming --tolerance.
double parse_tolerance(const std::string& text);
// Throws nuri::Error naming the file and the metric when the baseline lacks one.
std::vector<Regression> compare_with_baseline(const nlohmann::json& current,
                                              const std::string& baseline_path,
                                              double tolerance_pct);
std::string regression_table(const std::vector<Regression>& regressions, double tolerance_pct);

}  // namespace nuri::cli
