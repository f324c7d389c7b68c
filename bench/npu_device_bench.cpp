// The NPU device end to end: GPT-2-small (12 layers, d 768, 12 heads, vocab 50257, seq 128)
// compiled by the NPU codegen and run through a Session on the "rngd-like" preset, timing-only
// (weight-less graph; goal < 1 s of host time per forward) and with numerics (goal < 10 s).
// One BERT-base layer with numerics (goal < 1 s per run). Also BERT-base and a Llama-2-7B-shaped
// model (timing-only). Counters (README "Benchmark counters"): sim_cycles (core clock),
// sim_time_us, host_compile_s, partitions and sim_cycles_per_host_s.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "compiler/models/bert.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/llama.h"
#include "runtime/registry.h"
#include "runtime/session.h"

namespace {

using namespace nuri;

// The built-in devices (and any plugin on NURI_PLUGIN_PATH).
rt::DeviceRegistry& registry() {
  return rt::DeviceRegistry::global();
}

Tensor ids_for(int64_t seq, int64_t vocab) {
  Tensor ids(DType::I64, {1, seq});
  for (int64_t i = 0; i < seq; ++i) ids.data_as<int64_t>()[i] = (i * 7919 + 13) % vocab;
  return ids;
}

void run_model(benchmark::State& state, ir::Graph graph, const Tensor& ids, bool timing_only) {
  rt::SessionOptions o;
  o.devices = {"npu"};
  o.fallback_device = "ref";
  o.device_options["npu"] =
      std::string("config=rngd-like;trace=0;timing_only=") + (timing_only ? "1" : "0");
  const auto t0 = std::chrono::steady_clock::now();
  rt::Session s(std::move(graph), o, registry());
  const double compile_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t cycles = 0;
  double sim_ns = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.run({ids}));
    cycles = 0;
    sim_ns = 0;
    for (const auto& ps : s.last_stats())
      if (ps.device == "npu") {
        cycles += ps.stats.cycles;
        sim_ns += ps.stats.elapsed_ns;
      }
  }
  state.counters["sim_cycles"] = static_cast<double>(cycles);
  state.counters["sim_time_us"] = sim_ns * 1e-3;
  state.counters["host_compile_s"] = compile_s;
  state.counters["partitions"] = static_cast<double>(s.plan().partitions.size());
  state.counters["sim_cycles_per_host_s"] = benchmark::Counter(
      static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
}

ir::Gpt2Config gpt2_small(bool weights) {
  ir::Gpt2Config c;
  c.layers = 12;
  c.d_model = 768;
  c.heads = 12;
  c.vocab = 50257;
  c.seq = 128;
  c.max_pos = 1024;
  c.with_weights = weights;
  return c;
}

void BM_Gpt2SmallTimingOnly(benchmark::State& state) {
  const auto c = gpt2_small(false);
  run_model(state, ir::build_gpt2(c), ids_for(c.seq, c.vocab), true);
}
BENCHMARK(BM_Gpt2SmallTimingOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Gpt2SmallFunctional(benchmark::State& state) {
  const auto c = gpt2_small(true);
  run_model(state, ir::build_gpt2(c), ids_for(c.seq, c.vocab), false);
}
BENCHMARK(BM_Gpt2SmallFunctional)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void BM_BertBaseTimingOnly(benchmark::State& state) {
  ir::BertConfig c;
  c.with_weights = false;
  run_model(state, ir::build_bert(c), ids_for(c.seq, c.vocab), true);
}
BENCHMARK(BM_BertBaseTimingOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

// Issue 17 item 5: one BERT-base layer (seq 128) with numerics, per run (goal < 1 s). Compile
// time is the host_compile_s counter.
void BM_BertLayerFunctional(benchmark::State& state) {
  ir::BertConfig c;
  c.layers = 1;
  run_model(state, ir::build_bert(c), ids_for(c.seq, c.vocab), false);
}
BENCHMARK(BM_BertLayerFunctional)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

void BM_Llama7BTimingOnly(benchmark::State& state) {
  ir::LlamaConfig c;
  c.layers = static_cast<int64_t>(state.range(0));
  c.with_weights = false;
  run_model(state, ir::build_llama(c), ids_for(c.seq, c.vocab), true);
}
BENCHMARK(BM_Llama7BTimingOnly)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
