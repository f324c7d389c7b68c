// Wall time of the PIM simulator (timing-only): a 4096x4096 GEMV on HBM-PIM (target < 50 ms)
// and one Llama-2-7B decode step's GEMVs (target < 2 s): 32 layers of q, k, v, o (4096x4096),
// gate and up (11008x4096), down (4096x11008), and attention over a 2048-token KV cache as
// GEMVs per head (32 heads: K_h [2048 x 128] * q_h, then V_h^T [128 x 2048] * p_h). Also the
// elementwise kernel: c = a + b over 4M f16 elements on HBM-PIM, with its speedup over the same
// DRAM streaming a, b and c.
#include <benchmark/benchmark.h>

#include "simulator/pim/pim_eltwise.h"
#include "simulator/pim/pim_gemv.h"

using nuri::sim::pim::PimConfig;
using nuri::sim::pim::PimGemv;
using nuri::sim::pim::PimRunOptions;

namespace {

PimRunOptions timing_only() {
  PimRunOptions o;
  o.functional = false;
  o.baseline = false;
  return o;
}

void BM_HbmPimGemv4096(benchmark::State& state) {
  PimGemv g(PimConfig::preset("HBM-PIM"));
  const auto layout = g.layout("W", 4096, 4096);
  double ns = 0;
  for (auto _ : state) {
    auto r = g.run(layout, nullptr, nullptr, 1, timing_only());
    ns = r.ns;
    benchmark::DoNotOptimize(r.cycles);
  }
  state.counters["sim_time_us"] = ns * 1e-3;
}
BENCHMARK(BM_HbmPimGemv4096)->Unit(benchmark::kMillisecond);

void BM_HbmPimLlama2DecodeStep(benchmark::State& state) {
  PimGemv g(PimConfig::preset("HBM-PIM"));
  const auto sq = g.layout("attn.qkvo", 4096, 4096);
  const auto up = g.layout("mlp.gate_up", 11008, 4096);
  const auto down = g.layout("mlp.down", 4096, 11008);
  const auto kt = g.layout("attn.k_cache", 2048, 128);
  const auto vt = g.layout("attn.v_cache", 128, 2048);
  double total_ns = 0;
  for (auto _ : state) {
    total_ns = 0;
    for (int layer = 0; layer < 32; ++layer) {
      for (int i = 0; i < 4; ++i) total_ns += g.run(sq, nullptr, nullptr, 1, timing_only()).ns;
      for (int i = 0; i < 2; ++i) total_ns += g.run(up, nullptr, nullptr, 1, timing_only()).ns;
      total_ns += g.run(down, nullptr, nullptr, 1, timing_only()).ns;
      for (int h = 0; h < 32; ++h) {
        total_ns += g.run(kt, nullptr, nullptr, 1, timing_only()).ns;
        total_ns += g.run(vt, nullptr, nullptr, 1, timing_only()).ns;
      }
    }
  }
  state.counters["sim_time_us"] = total_ns * 1e-3;
}
BENCHMARK(BM_HbmPimLlama2DecodeStep)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_BaselineGemv4096(benchmark::State& state) {
  PimGemv g(PimConfig::preset("HBM-PIM"));
  const auto layout = g.layout("W", 4096, 4096);
  for (auto _ : state) benchmark::DoNotOptimize(g.baseline(layout, 1).cycles);
}
BENCHMARK(BM_BaselineGemv4096)->Unit(benchmark::kMillisecond);

void BM_HbmPimEltwiseAdd4M(benchmark::State& state) {
  nuri::sim::pim::PimEltwise e(PimConfig::preset("HBM-PIM"));
  const auto layout = e.layout("a", int64_t(1) << 22);
  nuri::sim::pim::PimEltwiseOptions o;
  o.functional = false;
  nuri::sim::pim::PimEltwiseResult r;
  for (auto _ : state) {
    r = e.run(layout, nuri::sim::pim::EltwiseOp::kAdd, nullptr, nullptr, o);
    benchmark::DoNotOptimize(r.cycles);
  }
  state.counters["sim_time_us"] = r.ns * 1e-3;
  state.counters["baseline_sim_time_us"] = r.baseline.ns * 1e-3;
  state.counters["speedup"] = r.speedup;
}
BENCHMARK(BM_HbmPimEltwiseAdd4M)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
