// Speed of the NPU simulator: a GPT-2-small forward (12 layers, seq 128, d 768, 12 heads,
// MLP 3072) as GEMMs + attention + vector ops on the "rngd-like" preset, timing-only and with
// numerics. Counters (README "Benchmark counters"): sim_cycles (core clock) and
// sim_cycles_per_host_s.
#include <benchmark/benchmark.h>

#include <random>

#include "devices/npu/tiling/attention.h"
#include "devices/npu/tiling/gemm_tiler.h"
#include "devices/npu/tiling/row_ops.h"
#include "simulator/npu/simulator.h"

namespace {

using namespace nuri;
using sim::npu::DType;

constexpr uint32_t kLayers = 12, kSeq = 128, kD = 768, kHeads = 12, kMlp = 3072;

// Programs of one layer (same addresses every layer: weights are shared, activations reused).
struct Layer {
  std::vector<std::pair<std::string, std::vector<sim::npu::Program>>> ops;
};

Layer build_layer(const sim::npu::NpuConfig& cfg) {
  const uint64_t MB = 1 << 20;
  const uint64_t x = 0, h = 1 * MB, qkv = 2 * MB, att = 4 * MB, t1 = 5 * MB, mlp = 6 * MB;
  const uint64_t w_qkv = 16 * MB, w_o = 24 * MB, w_up = 32 * MB, w_dn = 40 * MB, b = 48 * MB,
                 ln = 50 * MB;
  Layer l;
  auto row = [&](npu::RowOp op, uint64_t in, uint64_t y, uint64_t out, uint32_t cols) {
    npu::RowOpSpec s;
    s.op = op, s.rows = kSeq, s.cols = cols, s.x_addr = in, s.y_addr = y, s.out_addr = out;
    s.gamma_addr = ln, s.beta_addr = ln + 4 * kD;
    return npu::emit_row_op(cfg, s);
  };
  auto gemm = [&](uint64_t a, uint64_t w, uint64_t c, uint32_t n, uint32_t k, npu::Activation act) {
    npu::GemmSpec s;
    s.m = kSeq, s.n = n, s.k = k, s.a_addr = a, s.b_addr = w, s.c_addr = c;
    s.has_bias = true, s.bias_addr = b, s.act = act;
    return npu::emit_gemm(cfg, s);
  };
  npu::AttentionSpec at;
  at.seq = kSeq, at.heads = kHeads, at.head_dim = kD / kHeads, at.causal = true;
  at.q_addr = qkv, at.k_addr = qkv + kD * 2, at.v_addr = qkv + 2 * kD * 2, at.out_addr = att;
  at.ldq = at.ldk = at.ldv = 3 * kD, at.ldo = kD;
  l.ops.push_back({"ln1", row(npu::RowOp::LayerNorm, x, 0, h, kD)});
  l.ops.push_back({"qkv", gemm(h, w_qkv, qkv, 3 * kD, kD, npu::Activation::None)});
  l.ops.push_back({"attention", npu::emit_attention(cfg, at)});
  l.ops.push_back({"proj", gemm(att, w_o, t1, kD, kD, npu::Activation::None)});
  l.ops.push_back({"residual1", row(npu::RowOp::Add, x, t1, x, kD)});
  l.ops.push_back({"ln2", row(npu::RowOp::LayerNorm, x, 0, h, kD)});
  l.ops.push_back({"mlp_up", gemm(h, w_up, mlp, kMlp, kD, npu::Activation::Gelu)});
  l.ops.push_back({"mlp_down", gemm(mlp, w_dn, t1, kD, kMlp, npu::Activation::None)});
  l.ops.push_back({"residual2", row(npu::RowOp::Add, x, t1, x, kD)});
  return l;
}

void fill(sim::npu::Simulator& s, uint64_t addr, uint64_t n, DType t, float amp, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-amp, amp);
  std::vector<float> v(n);
  for (auto& e : v) e = d(g);
  s.write_values(addr, v.data(), n, t);
}

void gpt2(benchmark::State& st, bool functional) {
  const auto cfg = sim::npu::preset_config("rngd-like");
  const Layer layer = build_layer(cfg);  // planning (tile search) is outside the timed loop
  uint64_t cycles = 0;
  for (auto _ : st) {
    st.PauseTiming();
    sim::npu::Simulator s(cfg, {.functional = functional});
    if (functional) {
      const uint64_t MB = 1 << 20;
      fill(s, 0, uint64_t{kSeq} * kD, DType::BF16, 1.f, 1);
      fill(s, 16 * MB, uint64_t{kD} * 3 * kD, DType::BF16, 0.05f, 2);
      fill(s, 24 * MB, uint64_t{kD} * kD, DType::BF16, 0.05f, 3);
      fill(s, 32 * MB, uint64_t{kD} * kMlp, DType::BF16, 0.05f, 4);
      fill(s, 40 * MB, uint64_t{kMlp} * kD, DType::BF16, 0.03f, 5);
      fill(s, 48 * MB, kMlp, DType::F32, 0.1f, 6);
      fill(s, 50 * MB, 2 * kD, DType::F32, 1.f, 7);
    }
    st.ResumeTiming();
    for (uint32_t i = 0; i < kLayers; ++i)
      for (const auto& [name, progs] : layer.ops) s.run(progs, name);
    cycles = s.now_cycles();
  }
  st.counters["sim_cycles"] = static_cast<double>(cycles);
  st.counters["sim_cycles_per_host_s"] = benchmark::Counter(
      static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Gpt2TimingOnly(benchmark::State& st) {
  gpt2(st, false);
}
void BM_Gpt2Functional(benchmark::State& st) {
  gpt2(st, true);
}
BENCHMARK(BM_Gpt2TimingOnly)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Gpt2Functional)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_PlanGpt2Layer(benchmark::State& st) {
  const auto cfg = sim::npu::preset_config("rngd-like");
  for (auto _ : st) benchmark::DoNotOptimize(build_layer(cfg));
}
BENCHMARK(BM_PlanGpt2Layer)->Unit(benchmark::kMillisecond);

// One Llama-2-7B MLP at 128 tokens (up and gate 4096 -> 11008, down 11008 -> 4096), timing
// only: the shape that dominates `nuri simulate --builtin llama2-7b`. Its many DMA engines'
// row transfers interleave in the memory model, which is what the simulator spends time on.
void BM_LlamaMlpTimingOnly(benchmark::State& st) {
  const auto cfg = sim::npu::preset_config("rngd-like");
  const uint64_t MB = 1 << 20;
  auto gemm = [&](uint64_t a, uint64_t w, uint64_t c, uint32_t n, uint32_t k) {
    npu::GemmSpec s;
    s.m = kSeq, s.n = n, s.k = k, s.a_addr = a, s.b_addr = w, s.c_addr = c;
    return npu::emit_gemm(cfg, s);
  };
  // Planning (tile search) is outside the timed loop.
  const auto up = gemm(0, 64 * MB, 8 * MB, 11008, 4096);
  const auto gate = gemm(0, 192 * MB, 16 * MB, 11008, 4096);
  const auto down = gemm(24 * MB, 320 * MB, 32 * MB, 4096, 11008);
  uint64_t cycles = 0;
  for (auto _ : st) {
    sim::npu::Simulator s(cfg, {.functional = false});
    s.run(up, "up");
    s.run(gate, "gate");
    s.run(down, "down");
    cycles = s.now_cycles();
  }
  st.counters["sim_cycles"] = static_cast<double>(cycles);
  st.counters["sim_cycles_per_host_s"] = benchmark::Counter(
      static_cast<double>(cycles), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LlamaMlpTimingOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
