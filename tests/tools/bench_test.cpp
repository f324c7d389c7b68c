// nuri bench: suite extraction against hand-derived op x shape lists, the --op/--shape cases and
// their work, the output formats read back (Google Benchmark JSON, CSV, roofline SVG), and bad
// flags. No timing is asserted: speed goals live in bench/.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "nuri/error.hpp"
#include "runtime/registry.h"
#include "tools/nuri/bench_case.h"
#include "tools/nuri/bench_report.h"
#include "tools/nuri/bench_roofline.h"
#include "tools/nuri/bench_runner.h"
#include "tools/nuri/bench_suite.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {
namespace {

const BenchCase* find_case(const std::vector<BenchCase>& cases, const std::string& name) {
  for (const BenchCase& c : cases)
    if (c.name == name) return &c;
  return nullptr;
}

std::multiset<std::string> names_of_op(const std::vector<BenchCase>& cases, ir::OpKind op) {
  std::multiset<std::string> names;
  for (const BenchCase& c : cases)
    if (c.op == op) names.insert(c.name);
  return names;
}

// GPT-2 small, 128 tokens (compiler/models/gpt2.cpp): two embeddings and their Add; per layer
// LayerNorm, QKV MatMul + bias Add, Split, Reshape + Transpose per head group, Attention,
// Transpose + Reshape back, the projection MatMul + bias Add + residual Add, LayerNorm, the
// MLP's two MatMuls with bias Adds and the Gelu; then ln_f, a Reshape, the tied lm_head Gemm
// and a Reshape. Layers repeat the same shapes, so 21 distinct cases remain.
TEST(BenchSuite, Gpt2SmallPrefillHasTheHandDerivedDistinctShapes) {
  const std::vector<BenchCase> cases = suite_cases("gpt2-small:prefill");
  EXPECT_EQ(cases.size(), 21u);
  EXPECT_EQ(
      names_of_op(cases, ir::OpKind::MatMul),
      (std::multiset<std::string>{
          "MatMul/1x128x768,768x2304c->1x128x2304", "MatMul/1x128x768,768x768c->1x128x768",
          "MatMul/1x128x768,768x3072c->1x128x3072", "MatMul/1x128x3072,3072x768c->1x128x768"}));
  const BenchCase* lm_head = find_case(cases, "Gemm/128x768,50257x768c->128x50257");
  ASSERT_NE(lm_head, nullptr);
  EXPECT_DOUBLE_EQ(lm_head->flops, 2.0 * 128 * 50257 * 768);
  const BenchCase* qkv = find_case(cases, "MatMul/1x128x768,768x2304c->1x128x2304");
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(qkv->occurrences, 12);
  EXPECT_DOUBLE_EQ(qkv->bytes, 4.0 * (128 * 768 + 768 * 2304 + 128 * 2304));
  // 2 LayerNorms per layer and ln_f share one shape; the residual Adds and the embedding Add too.
  const BenchCase* ln = find_case(cases, "LayerNorm/1x128x768,768c,768c->1x128x768");
  ASSERT_NE(ln, nullptr);
  EXPECT_EQ(ln->occurrences, 25);
  const BenchCase* residual = find_case(cases, "Add/1x128x768,1x128x768->1x128x768");
  ASSERT_NE(residual, nullptr);
  EXPECT_EQ(residual->occurrences, 25);
  const BenchCase* gelu = find_case(cases, "Gelu/1x128x3072->1x128x3072");
  ASSERT_NE(gelu, nullptr);
  EXPECT_EQ(gelu->occurrences, 12);
  ASSERT_NE(find_case(cases, "Attention/1x12x128x64,1x12x128x64,1x12x128x64->1x12x128x64"),
            nullptr);
  // The two Reshapes of the [1, 128, 768] LayerNorm output differ only in their target shape.
  EXPECT_NE(find_case(cases, "Reshape/1x128x768->128x768"), nullptr);
  EXPECT_NE(find_case(cases, "Reshape/1x128x768->1x128x12x64"), nullptr);
}

TEST(BenchSuite, Llama2DecodeIsTheOneTokenGraph) {
  const std::vector<BenchCase> cases = suite_cases("llama2-7b:decode");
  // q/k/v/o projections share one shape; gate and up another; down and lm_head their own.
  EXPECT_EQ(
      names_of_op(cases, ir::OpKind::MatMul),
      (std::multiset<std::string>{
          "MatMul/1x1x4096,4096x4096c->1x1x4096", "MatMul/1x1x4096,4096x11008c->1x1x11008",
          "MatMul/1x1x11008,11008x4096c->1x1x4096", "MatMul/1x1x4096,4096x32000c->1x1x32000"}));
  const BenchCase* qkvo = find_case(cases, "MatMul/1x1x4096,4096x4096c->1x1x4096");
  ASSERT_NE(qkvo, nullptr);
  EXPECT_EQ(qkvo->occurrences, 4 * 32);
}

TEST(BenchSuite, BadSuiteNamesSayWhatIsWrong) {
  try {
    suite_cases("gpt3");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'gpt3'"), std::string::npos) << e.what();
  }
  try {
    suite_cases("bert-base:train");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("prefill or decode"), std::string::npos) << e.what();
  }
}

TEST(BenchCase, MatmulFromFlagsIsMxNxK) {
  const BenchCase c = case_from_flags("MatMul", "512x768x3072", "f32");
  EXPECT_EQ(c.name, "MatMul/512x3072,3072x768c->512x768");
  EXPECT_DOUBLE_EQ(c.flops, 2.0 * 512 * 768 * 3072);
  EXPECT_DOUBLE_EQ(c.bytes, 4.0 * (512 * 3072 + 3072 * 768 + 512 * 768));
  const ir::Graph g = bench_graph(c, true);
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.inputs().size(), 1u);  // the weight is a constant, packed at compile
  EXPECT_EQ(bench_inputs(c).size(), 1u);
}

TEST(BenchCase, NormsAndElementwiseTakeTheInputShape) {
  const BenchCase ln = case_from_flags("LayerNorm", "64x1024", "f32");
  EXPECT_EQ(ln.name, "LayerNorm/64x1024,1024c,1024c->64x1024");
  EXPECT_DOUBLE_EQ(ln.bytes, 4.0 * (2 * 64 * 1024 + 2 * 1024));
  EXPECT_EQ(case_from_flags("Softmax", "8x128", "f32").name, "Softmax/8x128->8x128");
  EXPECT_EQ(case_from_flags("Add", "4x4", "bf16").name, "Add/bf16:4x4,bf16:4x4->bf16:4x4");
}

void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    FAIL() << "no error; expected one mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(BenchCase, BadFlagsNameTheFlag) {
  expect_error([] { case_from_flags("Matmul", "2x2x2", "f32"); }, "--op 'Matmul'");
  expect_error([] { case_from_flags("MatMul", "2x2", "f32"); }, "MatMul takes MxNxK");
  expect_error([] { case_from_flags("MatMul", "2x0x2", "f32"); }, "--shape '2x0x2'");
  expect_error([] { case_from_flags("Relu", "4xx4", "f32"); }, "--shape '4xx4'");
  expect_error([] { case_from_flags("Relu", "4x4", "f33"); }, "--dtype 'f33'");
  expect_error([] { case_from_flags("Attention", "4x4", "f32"); }, "--suite");
  expect_error([] { case_from_flags("Relu", "", "f32"); }, "needs --shape");
}

// Runs `nuri bench ARGS` through the CLI as main() does (the callback runs inside parse).
void run_cli(const std::string& args) {
  CLI::App app;
  register_bench(app);
  app.parse("bench " + args, false);
}

TEST(BenchCommand, BadFlagsGiveClearErrors) {
  expect_error([] { run_cli("--device ref"); }, "either --suite");
  expect_error([] { run_cli("--op Relu --shape 4 --suite gpt2-small"); }, "--shape goes with");
  expect_error([] { run_cli("--op Softmax --suite gpt2-small"); }, "has no such op");
  expect_error([] { run_cli("--op Relu --shape 4 --device nosuchdev"); }, "'nosuchdev'");
  expect_error([] { run_cli("--op Relu --shape 4 --compare /nonexistent/base.json"); },
               "/nonexistent/base.json");
  expect_error([] { run_cli("--op Relu --shape 4 --json /nonexistent/dir/out.json"); },
               "/nonexistent/dir");
  expect_error([] { run_cli("--op Relu --shape 4 --device-option threads=2"); }, "DEVICE:key");
  EXPECT_THROW(run_cli("--op Relu --shape 4 --repetitions 0"), CLI::ValidationError);
}

// Results as the runner would fill them, with made-up times: the writers are under test here.
std::vector<BenchResult> sample_results() {
  BenchResult mm;
  mm.case_name = "MatMul/64x64,64x64c->64x64";
  mm.op = "MatMul";
  mm.device = "cpu";
  mm.flops = 2.0 * 64 * 64 * 64;
  mm.bytes = 4.0 * 3 * 64 * 64;
  mm.repetitions = 5;
  mm.iterations = 10;
  mm.time = {1000, 900, 1200};
  mm.host_time = {1500, 1400, 1700};
  mm.measured_bytes_per_s = 1e10;
  BenchResult sim = mm;
  sim.device = "npu";
  sim.simulated = true;
  sim.peak_ops_per_s = 1e12;
  sim.peak_bytes_per_s = 1e11;
  sim.measured_bytes_per_s = 0;
  sim.time = {500, 500, 500};
  BenchResult relu;
  relu.case_name = "Relu/4x4->4x4";
  relu.op = "Relu";
  relu.device = "cpu";
  relu.flops = 16;
  relu.bytes = 128;
  relu.repetitions = 5;
  relu.iterations = 100;
  relu.time = {50, 40, 60};
  BenchResult skipped = relu;
  skipped.device = "pim";
  skipped.error = "pim does not support Relu";
  BenchResult reshape = relu;  // no FLOPs: no roofline point
  reshape.case_name = "Reshape/4x4->16";
  reshape.op = "Reshape";
  reshape.flops = 0;
  return {mm, sim, relu, skipped, reshape};
}

BenchContext sample_context() {
  BenchContext ctx;
  ctx.caches = {{1, "Data", 48 * 1024, 2}, {2, "Unified", 2 << 20, 2}, {3, "Unified", 32 << 20, 8}};
  ctx.stream = StreamResult{2e10, 256 << 20, 1, 1.5e10};
  return ctx;
}

TEST(BenchReport, JsonIsGoogleBenchmarkFormat) {
  const std::vector<BenchResult> results = sample_results();
  const nlohmann::json j =
      nlohmann::json::parse(to_google_benchmark_json(results, sample_context()));
  ASSERT_TRUE(j.contains("context"));
  ASSERT_EQ(j["context"]["caches"].size(), 3u);
  EXPECT_EQ(j["context"]["caches"][2]["size"], 32 << 20);
  EXPECT_EQ(j["context"]["caches"][0]["type"], "Data");
  const auto& b = j["benchmarks"];
  ASSERT_EQ(b.size(), 4u * 3 + 1);  // median, min, max per case that ran; one entry if not
  for (const auto& e : b) {
    for (const char* key : {"name", "run_name", "run_type", "real_time", "cpu_time", "time_unit",
                            "iterations", "repetitions", "threads"})
      EXPECT_TRUE(e.contains(key)) << key << " missing in " << e.dump();
    EXPECT_EQ(e["time_unit"], "ns");
  }
  EXPECT_EQ(b[0]["name"], "MatMul/64x64,64x64c->64x64/cpu_median");
  EXPECT_EQ(b[0]["aggregate_name"], "median");
  EXPECT_DOUBLE_EQ(b[0]["real_time"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(b[1]["real_time"].get<double>(), 900);
  EXPECT_DOUBLE_EQ(b[2]["real_time"].get<double>(), 1200);
  EXPECT_DOUBLE_EQ(b[0]["flops_per_s"].get<double>(), 2.0 * 64 * 64 * 64 / 1e-6);
  EXPECT_DOUBLE_EQ(b[0]["pct_measured_bw"].get<double>(),
                   100.0 * (4.0 * 3 * 64 * 64 / 1e-6) / 1e10);
  EXPECT_FALSE(b[0].contains("pct_peak_compute"));  // the cpu sample declares no peak
  // The simulator: simulated time is the headline, host time a counter apart.
  EXPECT_EQ(b[3]["label"], "simulated");
  EXPECT_DOUBLE_EQ(b[3]["sim_time_us"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(b[3]["host_time_us"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(b[3]["pct_peak_compute"].get<double>(),
                   100.0 * (2.0 * 64 * 64 * 64 / 5e-7) / 1e12);
  EXPECT_TRUE(b[9]["error_occurred"].get<bool>());
  EXPECT_EQ(b[9]["error_message"], "pim does not support Relu");
}

TEST(BenchReport, BaselineReadsBackAsRatioOne) {
  std::vector<BenchResult> results = sample_results();
  const std::string path =
      (std::filesystem::temp_directory_path() / "nuri_bench_test_baseline.json").string();
  write_file(path, to_google_benchmark_json(results, sample_context()));
  const auto base = read_baseline(path);
  EXPECT_EQ(base.size(), 4u);  // the skipped case has no time
  EXPECT_DOUBLE_EQ(base.at("Relu/4x4->4x4/cpu"), 50);
  apply_baseline(results, base, path);
  ASSERT_TRUE(results[0].ratio);
  EXPECT_DOUBLE_EQ(*results[0].ratio, 1.0);
  EXPECT_FALSE(results[3].ratio);
  std::filesystem::remove(path);
  expect_error([&] { read_baseline(path); }, path);
}

// Splits one CSV line, honouring "quoted, fields".
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

TEST(BenchReport, CsvHasOneRowPerResultUnderTheColumns) {
  std::istringstream in(to_csv(sample_results()));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(csv_fields(line), csv_columns());
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(csv_fields(line));
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), csv_columns().size());
  EXPECT_EQ(rows[0][0], "MatMul/64x64,64x64c->64x64/cpu");
  EXPECT_DOUBLE_EQ(std::stod(rows[0][6]), 1000);  // median_ns
  EXPECT_EQ(rows[1][3], "1");                     // simulated
  EXPECT_EQ(rows[3].back(), "pim does not support Relu");
}

TEST(BenchReport, RooflineHasAPointPerComputingCaseAndTheCeilings) {
  const std::string svg = roofline_svg(sample_results(), sample_context());
  const auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("class=\"point\""), 3u);  // MatMul on cpu and npu, Relu on cpu
  // The npu's declared peaks, and the measured host bandwidth (the cpu sample declares none).
  EXPECT_EQ(count("class=\"ceiling\""), 2u);
  EXPECT_NE(svg.find(">MatMul</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Relu</text>"), std::string::npos);
  EXPECT_EQ(svg.find("Reshape"), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>"), svg.size() - 7);
}

TEST(BenchReport, TableStatesTheTargetsItCanDecide) {
  std::vector<BenchResult> results = sample_results();
  results[0].ratio = 0.97;  // MatMul on cpu against oneDNN: met
  results[0].ratio_to = "onednn";
  BenchResult big = results[2];  // a Softmax over 64 MiB, above the 32 MiB sample LLC
  big.case_name = "Softmax/4096x4096->4096x4096";
  big.op = "Softmax";
  big.bytes = 2.0 * 4096 * 4096 * 4;
  big.measured_bytes_per_s = 1e10;
  big.time.median_ns = big.bytes / 7e9 * 1e9;  // 70% of the measured bandwidth: missed
  big.ratio = 2.0;  // oneDNN's softmax compared too: shown, but the bandwidth still decides
  big.ratio_to = "onednn";
  results.push_back(big);
  const std::string table = format_table(results, sample_context());
  EXPECT_NE(table.find("oneDNN direct: met by 1 of 1"), std::string::npos) << table;
  EXPECT_NE(table.find("above the LLC: met by 0 of 1"), std::string::npos) << table;
  EXPECT_NE(table.find("L1 Data: 48 KiB"), std::string::npos) << table;
  // Each deciding row carries its figure and a marker; the others a dash.
  EXPECT_NE(table.find("97% ok"), std::string::npos) << table;
  EXPECT_NE(table.find("70%cp MISS"), std::string::npos) << table;
  EXPECT_NE(table.find("copy 15 GB/s, triad 20 GB/s"), std::string::npos) << table;
}

TEST(BenchHost, FitsInTheInnermostLevelThatHoldsIt) {
  const BenchContext ctx = sample_context();
  EXPECT_EQ(fits_in(ctx.caches, 1024), "L1");
  EXPECT_EQ(fits_in(ctx.caches, 1 << 20), "L2");
  EXPECT_EQ(fits_in(ctx.caches, 33 << 20), "DRAM");
}

// One real run on the reference device: the runner goes through a session and reports the
// repetitions it made; a device that is not registered is reported, not thrown.
TEST(BenchRunner, RunsThroughASessionAndReportsUnknownDevices) {
  const BenchCase c = case_from_flags("Relu", "4x8", "f32");
  BenchRunOptions o;
  o.warmup = 1;
  o.repetitions = 3;
  o.min_time_s = 0;
  const BenchResult r = run_case(c, "ref", o, rt::DeviceRegistry::global());
  ASSERT_TRUE(r.ran()) << r.error;
  EXPECT_EQ(r.repetitions, 3);
  EXPECT_EQ(r.iterations, 1);
  EXPECT_LE(r.time.min_ns, r.time.median_ns);
  EXPECT_LE(r.time.median_ns, r.time.max_ns);
  const BenchResult missing = run_case(c, "nosuchdev", o, rt::DeviceRegistry::global());
  EXPECT_NE(missing.error.find("'nosuchdev'"), std::string::npos) << missing.error;
}

// The cpu device's softmax, LayerNorm and GELU interleaved with oneDNN's primitives on the
// same shape: each gets a ratio to oneDNN (where the build has the baseline).
TEST(BenchRunner, ComparesCpuRowOpsWithOnednnDirect) {
  rt::DeviceRegistry& registry = rt::DeviceRegistry::global();
  if (!registry.has("cpu")) GTEST_SKIP() << "no cpu device";
  BenchRunOptions o;
  o.warmup = 1;
  o.repetitions = 2;
  o.min_time_s = 0;
  o.compare_onednn = true;
  for (const char* op : {"Softmax", "LayerNorm", "Gelu"}) {
    const BenchResult r = run_case(case_from_flags(op, "64x256", "f32"), "cpu", o, registry);
    if (r.error.find("no oneDNN baseline") != std::string::npos) GTEST_SKIP() << r.error;
    ASSERT_TRUE(r.ran()) << op << ": " << r.error;
    ASSERT_TRUE(r.ratio) << op;
    EXPECT_EQ(r.ratio_to, "onednn");
    EXPECT_GT(*r.ratio, 0.0) << op;
  }
}

TEST(BenchRunner, OnednnComparesF32MatmulsAndTheRowOpsItHasPrimitivesFor) {
  EXPECT_TRUE(onednn_comparable(case_from_flags("MatMul", "8x8x8", "f32")));
  EXPECT_FALSE(onednn_comparable(case_from_flags("MatMul", "8x8x8", "bf16")));
  EXPECT_FALSE(onednn_comparable(case_from_flags("Relu", "8x8", "f32")));
  for (const char* op : {"Softmax", "LayerNorm", "Gelu"}) {
    EXPECT_TRUE(onednn_comparable(case_from_flags(op, "8x8", "f32"))) << op;
    EXPECT_FALSE(onednn_comparable(case_from_flags(op, "8x8", "bf16"))) << op;
  }
  const auto cases = suite_cases("gpt2-small:prefill");
  EXPECT_TRUE(onednn_comparable(*find_case(cases, "Gemm/128x768,50257x768c->128x50257")));
}

}  // namespace
}  // namespace nuri::cli
