// nuri bench: one op or every distinct op x shape of a built-in model, on each listed device
// through the same session and ABI path as `nuri run`; a table, Google Benchmark JSON, CSV and a
// roofline SVG, optionally as ratios to oneDNN called directly or to an earlier run.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "nuri/error.hpp"
#include "runtime/session.h"
#include "tools/nuri/bench_report.h"
#include "tools/nuri/bench_roofline.h"
#include "tools/nuri/bench_runner.h"
#include "tools/nuri/bench_suite.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {
namespace {

struct BenchOptions {
  std::string op, shape, dtype = "f32", suite, devices = "cpu";
  std::string json, csv, roofline, compare;
  std::vector<std::string> device_options;
  int warmup = 2, repetitions = 5, threads = 1;
  bool no_stream = false;
  double min_time = 0.02;
};

// Output files are checked before anything runs, so a typo does not cost a whole suite.
void check_writable(const std::string& path, const char* flag) {
  if (path.empty()) return;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir))
    throw Error(fmt::format("{} '{}': the folder '{}' does not exist", flag, path, dir.string()));
}

std::vector<std::string> resolve_devices(const std::string& list, rt::DeviceRegistry& reg) {
  if (list == "all") return reg.names();
  std::vector<std::string> devices = rt::split_list(list);
  if (devices.empty()) throw Error("--device: no device given");
  for (const std::string& d : devices)
    if (!reg.has(d))
      throw Error(fmt::format("--device: no device '{}' is registered (have: {})", d,
                              fmt::join(reg.names(), ", ")));
  return devices;
}

std::map<std::string, std::string> parse_device_options(const std::vector<std::string>& args) {
  std::map<std::string, std::string> out;
  for (const std::string& a : args) {
    const size_t colon = a.find(':');
    if (colon == std::string::npos || colon == 0 || a.find('=', colon) == std::string::npos)
      throw Error(fmt::format("--device-option '{}': expected DEVICE:key=value", a));
    std::string& opts = out[a.substr(0, colon)];
    opts += (opts.empty() ? "" : ";") + a.substr(colon + 1);
  }
  return out;
}

void run_bench(const BenchOptions& o) {
  if (o.suite.empty() && o.op.empty())
    throw Error("nuri bench: give either --suite MODEL[:prefill|:decode] or --op OP --shape DIMS");
  if (!o.suite.empty() && !o.shape.empty())
    throw Error("--shape goes with --op alone; a --suite brings its own shapes");
  check_writable(o.json, "--json");
  check_writable(o.csv, "--csv");
  check_writable(o.roofline, "--roofline");
  std::map<std::string, double> baseline;
  if (!o.compare.empty() && o.compare != "onednn") baseline = read_baseline(o.compare);

  rt::DeviceRegistry& reg = rt::DeviceRegistry::global();
  const std::vector<std::string> devices = resolve_devices(o.devices, reg);
  BenchRunOptions run;
  run.warmup = o.warmup;
  run.repetitions = o.repetitions;
  run.min_time_s = o.min_time;
  run.threads = o.threads;
  run.device_options = parse_device_options(o.device_options);
  run.compare_onednn = o.compare == "onednn";
  run.compare_copy = !o.no_stream;

  std::vector<BenchCase> cases;
  if (o.suite.empty()) {
    cases.push_back(case_from_flags(o.op, o.shape, o.dtype));
  } else {
    // --op with --suite keeps that op's cases only.
    for (BenchCase& c : suite_cases(o.suite))
      if (o.op.empty() || ir::op_name(c.op) == o.op) cases.push_back(std::move(c));
    if (cases.empty())
      throw Error(fmt::format("--op {}: the suite {} has no such op", o.op, o.suite));
  }

  BenchContext ctx;
  ctx.threads = o.threads;
  ctx.caches = host_caches();
  // Memory-bound cpu ops are measured against what the host's memory really delivers.
  bool host_device = false;
  for (const std::string& d : devices) {
    auto dev = reg.create(d, run.device_options.count(d) ? run.device_options.at(d) : "");
    host_device |= dev->properties().kind == NURI_DEVICE_KIND_CPU && !dev->properties().simulated;
  }
  if (host_device && !o.no_stream) {
    // Three arrays of twice the last-level cache each leave nothing cached between passes;
    // capped so a huge (or misreported) cache does not take gigabytes of a shared machine.
    const uint64_t llc = ctx.caches.empty() ? (uint64_t{32} << 20) : ctx.caches.back().bytes;
    const uint64_t array = std::clamp<uint64_t>(2 * llc, uint64_t{64} << 20, uint64_t{512} << 20);
    ctx.stream = measure_stream(array, o.threads, 5);
  }

  std::vector<BenchResult> results;
  for (const BenchCase& c : cases)
    for (const std::string& d : devices) {
      BenchResult r = run_case(c, d, run, reg);
      if (ctx.stream && !r.simulated && r.ran() && r.measured_bytes_per_s <= 0) {
        auto dev = reg.create(d, run.device_options.count(d) ? run.device_options.at(d) : "");
        if (dev->properties().kind == NURI_DEVICE_KIND_CPU)
          r.measured_bytes_per_s = ctx.stream->ceiling();
      }
      results.push_back(std::move(r));
    }
  if (!baseline.empty()) apply_baseline(results, baseline, o.compare);

  fmt::print("{}", format_table(results, ctx));
  if (!o.json.empty()) write_file(o.json, to_google_benchmark_json(results, ctx));
  if (!o.csv.empty()) write_file(o.csv, to_csv(results));
  if (!o.roofline.empty()) write_file(o.roofline, roofline_svg(results, ctx));
  for (const std::string* f : {&o.json, &o.csv, &o.roofline})
    if (!f->empty()) fmt::print("wrote {}\n", *f);
}

}  // namespace

void register_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "benchmark one op, or every distinct op x shape of a built-in model, on each device");
  cmd->add_option("--op", o->op,
                  "one op to benchmark (MatMul, Softmax, LayerNorm, Gelu, ...); with --suite, "
                  "that op's cases only");
  cmd->add_option("--shape", o->shape, "its shape: MxNxK for MatMul, the input's dims otherwise");
  cmd->add_option("--dtype", o->dtype, "its dtype")->capture_default_str();
  cmd->add_option("--suite", o->suite,
                  "gpt2-small, bert-base or llama2-7b, with :prefill (default) or :decode");
  cmd->add_option("--device", o->devices, "devices to run on, or 'all'")->capture_default_str();
  cmd->add_option("--device-option", o->device_options, "DEVICE:key=value passed to a device");
  cmd->add_option("--threads", o->threads, "cpu threads (cpu device, oneDNN direct, STREAM)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", o->warmup, "untimed runs before measuring")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--repetitions", o->repetitions, "timed repetitions (median, min, max)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--min-time", o->min_time, "seconds each repetition lasts at least")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-stream", o->no_stream,
                "skip the STREAM copy/triad measurement (it takes three arrays of up to 512 MiB)");
  cmd->add_option("--json", o->json, "write Google Benchmark JSON to FILE");
  cmd->add_option("--csv", o->csv, "write CSV to FILE");
  cmd->add_option("--roofline", o->roofline, "write a roofline plot to FILE.svg");
  cmd->add_option("--compare", o->compare,
                  "onednn (cpu MatMuls against oneDNN called directly) or BASELINE.json");
  cmd->callback([o] { run_bench(*o); });
}

}  // namespace nuri::cli
