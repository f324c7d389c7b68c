// `nuri bench` output: the terminal table, Google Benchmark JSON, CSV, and baselines read back
// from an earlier JSON run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tools/nuri/bench_result.h"

namespace nuri::cli {

// A JSON benchmark's run name for a result: "<case>/<device>".
std::string run_name(const BenchResult& r);

std::string format_table(const std::vector<BenchResult>& results, const BenchContext& ctx);
// Google Benchmark's format: "context" (caches included) and "benchmarks" with, per case and
// device, the median, min and max aggregates (name, run_name, run_type "aggregate",
// aggregate_name, real_time, cpu_time, time_unit "ns") and the counters beside them.
// Cases that did not run appear once with error_occurred and error_message.
std::string to_google_benchmark_json(const std::vector<BenchResult>& results,
                                     const BenchContext& ctx);
// One row per case and device; the columns are csv_columns().
std::string to_csv(const std::vector<BenchResult>& results);
const std::vector<std::string>& csv_columns();

// Median real time in ns per run name, from a Google Benchmark JSON file (ours or Google
// Benchmark's own; without aggregates, the iteration runs' median). Throws naming the file.
std::map<std::string, double> read_baseline(const std::string& path);
// Sets each result's ratio to baseline time / our time where the baseline has its run name.
void apply_baseline(std::vector<BenchResult>& results, const std::map<std::string, double>& base,
                    const std::string& path);

void write_file(const std::string& path, const std::string& text);

}  // namespace nuri::cli
