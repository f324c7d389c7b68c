#include "tools/nuri/simulate_baseline.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "nuri/error.hpp"
#include "runtime/simulate.h"

namespace nuri::cli {

double parse_tolerance(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '%') t.pop_back();
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != t.size() || !(v >= 0) || !std::isfinite(v))
    throw Error(fmt::format("--tolerance {}: expected a non-negative percent such as 2%", text));
  return v;
}

std::vector<Regression> compare_with_baseline(const nlohmann::json& current,
                                              const std::string& baseline_path,
                                              double tolerance_pct) {
  std::ifstream in(baseline_path);
  if (!in) throw Error(fmt::format("--baseline {}: cannot read the file", baseline_path));
  const nlohmann::json base = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (base.is_discarded() || !base.is_object())
    throw Error(fmt::format("--baseline {}: not a JSON object", baseline_path));
  std::vector<Regression> out;
  for (const rt::GatedMetric& m : rt::gated_metrics()) {
    if (!base.contains(m.key) || !base[m.key].is_number())
      throw Error(fmt::format("--baseline {}: no number '{}' (not a nuri simulate --json file?)",
                              baseline_path, m.key));
    const double b = base[m.key].get<double>(), c = current.at(m.key).get<double>();
    // Worse is up for times and energy, down for throughput; relative to the baseline.
    const double worse = m.higher_is_better ? b - c : c - b;
    const double pct = b != 0 ? 100.0 * worse / std::fabs(b) : (worse > 0 ? INFINITY : 0.0);
    if (pct > tolerance_pct) out.push_back({m.key, b, c, pct});
  }
  return out;
}

std::string regression_table(const std::vector<Regression>& regressions, double tolerance_pct) {
  std::string t = fmt::format("regressed past {}%:\n{:<22} {:>14} {:>14} {:>9}\n", tolerance_pct,
                              "metric", "baseline", "current", "worse");
  for (const Regression& r : regressions)
    t += fmt::format("{:<22} {:>14.6g} {:>14.6g} {:>8.2f}%\n", r.metric, r.baseline, r.current,
                     r.change_pct);
  return t;
}

}  // namespace nuri::cli
