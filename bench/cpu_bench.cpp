// The fast cpu engine against oneDNN called directly (MatMul, f32 and bf16) and a GPT-2-small
// block (compare with ONNX Runtime through scripts/bench_ort.sh). Wall-clock time per run;
// run with --benchmark_repetitions=N to get medians. Args: M, N, K, threads (MatMul) and
// threads (block).
#include <benchmark/benchmark.h>
#include <omp.h>

#include "bench/cpu/gpt2_block.h"
#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "devices/cpu/cpu_program.h"
#include "tools/baselines/direct_onednn.h"

namespace {

using nuri::DType;
using nuri::Tensor;

Tensor random_tensor(nuri::Shape shape, uint64_t seed) {
  Tensor t(DType::F32, std::move(shape));
  nuri::ir::SeededRandom rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data_as<float>()[i] = static_cast<float>(rng.uniform(-1, 1));
  return t;
}

// flops_per_s (README "Benchmark counters"): Google Benchmark prints it with k/M/G prefixes.
void set_flops(benchmark::State& state, double flops_per_run) {
  state.counters["flops_per_s"] = benchmark::Counter(
      flops_per_run, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void engine_matmul(benchmark::State& state, bool bf16) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  nuri::ir::GraphBuilder b;
  const auto a = b.input("a", DType::F32, {m, k});
  b.output(b.matmul(a, b.constant("w", random_tensor({k, n}, 2))));
  nuri::cpu::CpuProgram program(b.build(),
                                {.threads = threads, .bf16 = bf16, .pin_threads = false});
  if (bf16 && !program.bf16_active()) return state.SkipWithError("no bf16 on this CPU");
  const std::vector<Tensor> inputs{random_tensor({m, k}, 1)};
  std::vector<Tensor> outputs;
  program.run(inputs, outputs);
  for (auto _ : state) {
    program.run(inputs, outputs);
    benchmark::DoNotOptimize(outputs[0].data());
  }
  set_flops(state, 2.0 * m * n * k);
}

void BM_MatmulOnednnDirect(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  omp_set_num_threads(static_cast<int>(state.range(3)));
  const Tensor w = random_tensor({k, n}, 2), a = random_tensor({m, k}, 1);
  Tensor out(DType::F32, {m, n});
  nuri::baselines::DirectMatmul mm(m, n, k, w.data_as<float>(), a.data_as<float>(),
                                   out.data_as<float>());
  mm.run();
  for (auto _ : state) {
    mm.run();
    benchmark::DoNotOptimize(out.data());
  }
  set_flops(state, 2.0 * m * n * k);
}

// Direct oneDNN and the engine at each shape run back to back (the machine is shared and its
// load drifts, so adjacent runs are the comparable ones). Neither pins threads here: direct
// oneDNN does not, and a pinned thread cannot dodge other users' jobs.
void register_matmuls() {
  const int64_t shapes[][3] = {
      {128, 768, 768}, {128, 3072, 768}, {512, 768, 768}, {1, 4096, 4096}, {2048, 2048, 2048}};
  for (int threads : {1, 2})
    for (const auto& sh : shapes) {
      const auto add = [&](const char* name, void (*fn)(benchmark::State&)) {
        benchmark::RegisterBenchmark(name, fn)
            ->Args({sh[0], sh[1], sh[2], threads})
            ->ArgNames({"M", "N", "K", "threads"})
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      };
      add("BM_MatmulOnednnDirect", BM_MatmulOnednnDirect);
      add("BM_MatmulEngineF32", [](benchmark::State& st) { engine_matmul(st, false); });
      add("BM_MatmulEngineBf16", [](benchmark::State& st) { engine_matmul(st, true); });
    }
}

void BM_Gpt2Block(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool bf16 = state.range(1) != 0;
  const nuri::bench::BlockConfig cfg;
  nuri::cpu::CpuProgram program(nuri::bench::build_gpt2_block(cfg),
                                {.threads = threads, .bf16 = bf16, .pin_threads = false});
  const std::vector<Tensor> inputs{random_tensor({1, cfg.seq, cfg.d_model}, 3)};
  std::vector<Tensor> outputs;
  program.run(inputs, outputs);
  for (auto _ : state) {
    program.run(inputs, outputs);
    benchmark::DoNotOptimize(outputs[0].data());
  }
  const double d = static_cast<double>(cfg.d_model), s = static_cast<double>(cfg.seq);
  set_flops(state, 2.0 * s * d * (3 * d + d + 2 * cfg.mlp) +
                       2.0 * s * s * d);  // linears + causal attention
}
BENCHMARK(BM_Gpt2Block)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"threads", "bf16"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  register_matmuls();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
