#include "tools/nuri/bench_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "nuri/error.hpp"

namespace nuri::cli {
namespace {

std::string human_rate(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
  int p = 0;
  while (v >= 1000 && p < 5) {
    v /= 1000;
    ++p;
  }
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

std::string human_time(double ns) {
  if (ns >= 1e9) return fmt::format("{:.3g} s", ns * 1e-9);
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns * 1e-6);
  if (ns >= 1e3) return fmt::format("{:.3g} us", ns * 1e-3);
  return fmt::format("{:.3g} ns", ns);
}

std::string opt_pct(const std::optional<double>& v) {
  return v ? fmt::format("{:.1f}%", *v) : "-";
}

std::string iso_date() {
  const std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Counters as Google Benchmark writes them: plain numbers beside the times.
void add_counters(nlohmann::json& j, const BenchResult& r) {
  j["flops_per_s"] = r.flops_per_s();
  j["bytes_per_s"] = r.bytes_per_s();
  j["flops"] = r.flops;
  j["bytes"] = r.bytes;
  if (auto v = r.pct_peak_compute()) j["pct_peak_compute"] = *v;
  if (auto v = r.pct_peak_bandwidth()) j["pct_peak_bw"] = *v;
  if (auto v = r.pct_measured_bandwidth()) j["pct_measured_bw"] = *v;
  if (r.simulated) {
    j["sim_time_us"] = r.time.median_ns * 1e-3;
    j["host_time_us"] = r.host_time.median_ns * 1e-3;
  }
  if (r.ratio) j[r.ratio_to == "onednn" ? "ratio_onednn" : "ratio_baseline"] = *r.ratio;
}

// The speed targets: cpu MatMul at least 95% of oneDNN direct; Softmax, LayerNorm and Gelu at
// least 80% of the measured (STREAM copy) bandwidth when their input is larger than the
// last-level cache.
enum class Target { None, Matmul, Memory };
Target target_of(const BenchResult& r, const BenchContext& ctx) {
  if (!r.ran()) return Target::None;
  if (r.ratio && r.ratio_to == "onednn" && (r.op == "MatMul" || r.op == "Gemm"))
    return Target::Matmul;
  const double llc = ctx.caches.empty() ? 0 : static_cast<double>(ctx.caches.back().bytes);
  const bool memory_bound = r.op == "Softmax" || r.op == "LayerNorm" || r.op == "Gelu";
  if (memory_bound && r.pct_measured_bandwidth() && llc > 0 && r.bytes / 2 > llc)
    return Target::Memory;  // (the input is about half the bytes)
  return Target::None;
}
bool target_met(const BenchResult& r, Target t) {
  return t == Target::Matmul ? *r.ratio >= 0.95 : *r.pct_measured_bandwidth() >= 80;
}
// The table's target column: the figure that decides and a pass/fail marker, or "-".
std::string target_cell(const BenchResult& r, const BenchContext& ctx) {
  const Target t = target_of(r, ctx);
  if (t == Target::None) return "-";
  const std::string figure = t == Target::Matmul
                                 ? fmt::format("{:.0f}%", 100 * *r.ratio)
                                 : fmt::format("{:.0f}%cp", *r.pct_measured_bandwidth());
  return figure + (target_met(r, t) ? " ok" : " MISS");
}

// The targets, stated where the run has cases that decide them.
std::string format_targets(const std::vector<BenchResult>& results, const BenchContext& ctx) {
  int mm = 0, mm_met = 0, mem = 0, mem_met = 0;
  for (const BenchResult& r : results) {
    const Target t = target_of(r, ctx);
    if (t == Target::Matmul) {
      ++mm;
      mm_met += target_met(r, t);
    } else if (t == Target::Memory) {
      ++mem;
      mem_met += target_met(r, t);
    }
  }
  std::string out;
  if (mm > 0)
    out += fmt::format("target: cpu MatMul >= 95% of oneDNN direct: met by {} of {}\n", mm_met, mm);
  if (mem > 0)
    out += fmt::format(
        "target: Softmax/LayerNorm/Gelu >= 80% of measured bandwidth (STREAM copy, %cp) above the "
        "LLC: met by {} of {}\n",
        mem_met, mem);
  return out;
}

}  // namespace

std::string run_name(const BenchResult& r) {
  return r.case_name + "/" + r.device;
}

std::string format_table(const std::vector<BenchResult>& results, const BenchContext& ctx) {
  std::ostringstream out;
  for (const CacheLevel& c : ctx.caches)
    out << fmt::format("cache L{} {}: {} KiB (shared by {})\n", c.level, c.type, c.bytes / 1024,
                       c.num_sharing);
  if (ctx.stream)
    out << fmt::format("memory bandwidth (STREAM, {} thread{}, {} MiB arrays): copy {}, triad {}\n",
                       ctx.stream->threads, ctx.stream->threads == 1 ? "" : "s",
                       ctx.stream->array_bytes >> 20,
                       human_rate(ctx.stream->copy_bytes_per_s, "B/s"),
                       human_rate(ctx.stream->bytes_per_s, "B/s"));
  const bool any_ratio =
      std::any_of(results.begin(), results.end(), [](const BenchResult& r) { return r.ratio; });
  const bool any_target = std::any_of(results.begin(), results.end(), [&](const BenchResult& r) {
    return target_of(r, ctx) != Target::None;
  });
  std::string ratio_head;
  for (const BenchResult& r : results)
    if (r.ratio) ratio_head = r.ratio_to;
  out << fmt::format("{:<58} {:<6} {:>10} {:>10} {:>10} {:>11} {:>11} {:>7} {:>7} {:>5}{}{}\n",
                     "case", "device", "time", "min", "max", "FLOP/s", "B/s", "%comp", "%bw",
                     "fits", any_ratio ? fmt::format(" {:>9}", "ratio") : "",
                     any_target ? fmt::format(" {:>10}", "target") : "");
  for (const BenchResult& r : results) {
    if (!r.ran()) {
      out << fmt::format("{:<58} {:<6} skipped: {}\n", r.case_name, r.device, r.error);
      continue;
    }
    // On the cpu, %bw is of the measured (STREAM) bandwidth when no peak is declared.
    auto bw = r.pct_peak_bandwidth();
    if (!bw) bw = r.pct_measured_bandwidth();
    out << fmt::format(
        "{:<58} {:<6} {:>10} {:>10} {:>10} {:>11} {:>11} {:>7} {:>7} {:>5}{}{}{}\n", r.case_name,
        r.device, human_time(r.time.median_ns), human_time(r.time.min_ns),
        human_time(r.time.max_ns), r.flops > 0 ? human_rate(r.flops_per_s(), "") : "-",
        human_rate(r.bytes_per_s(), ""), opt_pct(r.pct_peak_compute()), opt_pct(bw),
        ctx.caches.empty() || r.measured_bytes_per_s <= 0 ? "-" : fits_in(ctx.caches, r.bytes),
        any_ratio ? (r.ratio ? fmt::format(" {:>9.3f}", *r.ratio) : fmt::format(" {:>9}", "-"))
                  : "",
        any_target ? fmt::format(" {:>10}", target_cell(r, ctx)) : "",
        r.simulated ? fmt::format("  (simulated; host {})", human_time(r.host_time.median_ns))
                    : "");
  }
  out << format_targets(results, ctx);
  if (any_ratio)
    out << fmt::format("ratio: time of {} / time here (above 1: faster here)\n", ratio_head);
  return out.str();
}

std::string to_google_benchmark_json(const std::vector<BenchResult>& results,
                                     const BenchContext& ctx) {
  nlohmann::json context = {{"date", iso_date()},
                            {"host_name", host_name()},
                            {"executable", "nuri bench"},
                            {"num_cpus", std::thread::hardware_concurrency()},
                            {"library_build_type", "release"},
                            {"threads", ctx.threads},
                            {"caches", nlohmann::json::array()}};
  for (const CacheLevel& c : ctx.caches)
    context["caches"].push_back(
        {{"type", c.type}, {"level", c.level}, {"size", c.bytes}, {"num_sharing", c.num_sharing}});
  if (ctx.stream) {
    context["stream_triad_bytes_per_s"] = ctx.stream->bytes_per_s;
    context["stream_copy_bytes_per_s"] = ctx.stream->copy_bytes_per_s;
    context["stream_array_bytes"] = ctx.stream->array_bytes;
  }
  nlohmann::json benchmarks = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const BenchResult& r = results[i];
    nlohmann::json base = {{"run_name", run_name(r)},
                           {"family_index", i},
                           {"per_family_instance_index", 0},
                           {"threads", 1},
                           {"label", r.simulated ? "simulated" : "measured"},
                           {"device", r.device},
                           {"op", r.op}};
    if (!r.ran()) {
      base["name"] = run_name(r);
      base["run_type"] = "iteration";
      base["repetitions"] = 0;
      base["repetition_index"] = 0;
      base["iterations"] = 0;
      base["real_time"] = 0;
      base["cpu_time"] = 0;
      base["time_unit"] = "ns";
      base["error_occurred"] = true;
      base["error_message"] = r.error;
      benchmarks.push_back(base);
      continue;
    }
    const std::pair<const char*, double> aggregates[] = {
        {"median", r.time.median_ns}, {"min", r.time.min_ns}, {"max", r.time.max_ns}};
    for (const auto& [agg, ns] : aggregates) {
      nlohmann::json j = base;
      j["name"] = run_name(r) + "_" + agg;
      j["run_type"] = "aggregate";
      j["aggregate_name"] = agg;
      j["aggregate_unit"] = "time";
      j["repetitions"] = r.repetitions;
      j["iterations"] = r.iterations;
      j["real_time"] = ns;
      // Host time of the whole run (for simulators: the host's time to simulate).
      j["cpu_time"] = std::string(agg) == "median" ? r.host_time.median_ns
                      : std::string(agg) == "min"  ? r.host_time.min_ns
                                                   : r.host_time.max_ns;
      j["time_unit"] = "ns";
      add_counters(j, r);
      benchmarks.push_back(j);
    }
  }
  return nlohmann::json{{"context", context}, {"benchmarks", benchmarks}}.dump(2) + "\n";
}

const std::vector<std::string>& csv_columns() {
  static const std::vector<std::string> columns = {"name",
                                                   "op",
                                                   "device",
                                                   "simulated",
                                                   "repetitions",
                                                   "iterations",
                                                   "median_ns",
                                                   "min_ns",
                                                   "max_ns",
                                                   "host_median_ns",
                                                   "flops",
                                                   "bytes",
                                                   "flops_per_s",
                                                   "bytes_per_s",
                                                   "pct_peak_compute",
                                                   "pct_peak_bw",
                                                   "pct_measured_bw",
                                                   "ratio",
                                                   "ratio_to",
                                                   "error"};
  return columns;
}

std::string to_csv(const std::vector<BenchResult>& results) {
  std::ostringstream out;
  out << fmt::format("{}\n", fmt::join(csv_columns(), ","));
  const auto opt = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.6g}", *v) : std::string();
  };
  // Names hold ',' (input lists) and errors may hold anything: quote them.
  const auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  for (const BenchResult& r : results) {
    out << fmt::format(
        "{},{},{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},"
        "{},{},{},{},{},{}\n",
        quote(run_name(r)), r.op, r.device, r.simulated ? 1 : 0, r.repetitions, r.iterations,
        r.time.median_ns, r.time.min_ns, r.time.max_ns, r.host_time.median_ns, r.flops, r.bytes,
        r.flops_per_s(), r.bytes_per_s(), opt(r.pct_peak_compute()), opt(r.pct_peak_bandwidth()),
        opt(r.pct_measured_bandwidth()), opt(r.ratio), r.ratio_to, quote(r.error));
  }
  return out.str();
}

std::map<std::string, double> read_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("--compare '{}': cannot open the baseline file", path));
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("--compare '{}': not JSON: {}", path, e.what()));
  }
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array())
    throw Error(
        fmt::format("--compare '{}': no 'benchmarks' array (not Google Benchmark JSON)", path));
  const auto to_ns = [&](const nlohmann::json& b) {
    const std::string unit = b.value("time_unit", "ns");
    const double scale = unit == "ns"   ? 1
                         : unit == "us" ? 1e3
                         : unit == "ms" ? 1e6
                         : unit == "s"  ? 1e9
                                        : 0;
    if (scale == 0) throw Error(fmt::format("--compare '{}': unknown time_unit '{}'", path, unit));
    return b.at("real_time").get<double>() * scale;
  };
  std::map<std::string, double> medians;
  std::map<std::string, std::vector<double>> runs;
  try {
    for (const nlohmann::json& b : j["benchmarks"]) {
      if (b.value("error_occurred", false)) continue;
      const std::string name = b.value("run_name", b.value("name", std::string()));
      if (b.value("run_type", "iteration") == "aggregate") {
        if (b.value("aggregate_name", "") == "median") medians[name] = to_ns(b);
      } else {
        runs[name].push_back(to_ns(b));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("--compare '{}': malformed benchmark entry: {}", path, e.what()));
  }
  for (auto& [name, samples] : runs)
    if (!medians.count(name)) medians[name] = time_stats(samples).median_ns;
  return medians;
}

void apply_baseline(std::vector<BenchResult>& results, const std::map<std::string, double>& base,
                    const std::string& path) {
  for (BenchResult& r : results) {
    auto it = base.find(run_name(r));
    if (it == base.end() || !r.ran() || r.time.median_ns <= 0) continue;
    r.ratio = it->second / r.time.median_ns;
    r.ratio_to = path;
    r.reference_time = TimeStats{it->second, it->second, it->second};
  }
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw Error(fmt::format("cannot write '{}'", path));
  out << text;
  if (!out) throw Error(fmt::format("cannot write '{}'", path));
}

}  // namespace nuri::cli
