// GEMM 512x768x768 (f32, the weight a constant, as in a transformer's projection) on the
// opencl device against the cpu device (oneDNN), both through a Session on the same cores.
// Counters: FLOP/s and bytes/s (A + W + C once per run); for opencl also where the time goes,
// per run, from the CL events' profiling timestamps: input write, kernels, output read.
// The goal: PoCL within 3x of the cpu device.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "runtime/session.h"

namespace {

using namespace nuri;

constexpr int64_t kM = 512, kN = 768, kK = 768;

Tensor random(const Shape& shape, uint64_t seed) {
  ir::SeededRandom rng(seed);
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = float(rng.normal());
  return t;
}

ir::Graph gemm_graph() {
  ir::GraphBuilder b("gemm_512x768x768");
  auto x = b.input("x", DType::F32, {kM, kK});
  b.output(b.matmul(x, b.constant("w", random({kK, kN}, 2))));
  return b.build();
}

void run_gemm(benchmark::State& state, const std::string& device, const std::string& options = "") {
  rt::SessionOptions o;
  o.devices = {device};
  o.device_options[device] = options;
  o.strict = true;
  std::unique_ptr<rt::Session> s;
  try {
    s = std::make_unique<rt::Session>(gemm_graph(), o);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::vector<Tensor> in{random({kM, kK}, 1)};
  s->run(in);  // warm-up: first-touch of buffers, kernel compile
  for (auto _ : state) benchmark::DoNotOptimize(s->run(in));
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * kM * kN * kK, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(4.0 * (kM * kK + kK * kN + kM * kN),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  if (device != "opencl") return;
  const std::string stem = "/tmp/nuri_opencl_gemm_bench";
  const auto files = s->write_reports(stem, "");
  if (files.empty()) return;
  std::ifstream f(files[0]);
  const auto j = nlohmann::json::parse(f);
  state.counters["write_ms"] = j["ms_per_run"]["write_inputs"].get<double>();
  state.counters["kernel_ms"] = j["ms_per_run"]["kernels"].get<double>();
  state.counters["read_ms"] = j["ms_per_run"]["read_outputs"].get<double>();
  std::remove(files[0].c_str());
}

void BM_Gemm512x768x768_OpenCl(benchmark::State& state) {
  run_gemm(state, "opencl");
}
// The local-memory tiled kernel (what a GPU gets) on the same driver, for comparison.
void BM_Gemm512x768x768_OpenClTiled(benchmark::State& state) {
  run_gemm(state, "opencl", "gemm=tiled");
}
void BM_Gemm512x768x768_Cpu(benchmark::State& state) {
  run_gemm(state, "cpu");
}
BENCHMARK(BM_Gemm512x768x768_OpenCl)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Gemm512x768x768_OpenClTiled)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Gemm512x768x768_Cpu)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
