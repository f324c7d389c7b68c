// Issue 13 item 6: one decode step of a layer as the heterogeneous papers place it, FC layers on
// the npu and decode attention on the pim, against everything on the npu, on configurations
// equivalent to theirs (bench/validation/*.json, simulator/pim/README.md "Heterogeneous
// validation"):
// - AttAcc (Park et al., ASPLOS 2024; scale-snu/attacc_simulator): GPT-3 175B on a DGX of 8
//   A100a (tensor parallel: 12 heads and 1/8 of every FC per GPU), stood in for by an npu with
//   the A100a's peaks (an assumption), attention on 5 AttAcc-bank HBM3 stacks per GPU holding
//   ceil(batch x 96 / 40) heads each (its ramulator_wrapper's split), context 2112 (the middle
//   of its Lin 2048 + Lout 128 generation).
// - NeuPIMs (Heo et al., ASPLOS 2024; casys-kaist/NeuPIMs): GPT-3 7B with 4-way tensor
//   parallelism (8 heads and 1/4 of every FC per device), its npu (8 x 128x128 at 1 GHz, 1 TB/s
//   HBM2) and its 32-channel HBM2 PIM, L = 1024 (its max_seq_len); NPU+PIM blocked (serial) and
//   with two sub-batches interleaved (the npu's FCs of one half overlap the pim's attention of
//   the other).
// Every time is a simulation: the npu runs its partitions timing-only through a Session, the
// pim's estimate is its timing simulation; the npu's roofline estimate of the attention is the
// most favourable npu-only baseline. Counters in us per layer; speedups are throughput ratios at
// the same batch (time npu-only / time heterogeneous).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "runtime/registry.h"
#include "runtime/session.h"

namespace {

using namespace nuri;

struct System {
  const char* npu_config;                // file under bench/validation
  const char* pim_config;                // preset or file under bench/validation
  int64_t d_model, heads, head_dim, tp;  // per device: heads / tp heads, FC columns / tp
  int64_t pim_stacks;                    // pim devices sharing one npu's attention
};

const System kAttAcc = {"a100a_like_npu.json", "AttAcc-bank", 12288, 96, 128, 8, 5};
const System kNeuPims = {"neupims_npu.json", "neupims_pim.json", 4096, 32, 128, 4, 1};

std::string config_path(const char* name) {
  const std::string n(name);
  return n.find(".json") == std::string::npos ? n : std::string(NURI_VALIDATION_CONFIGS) + "/" + n;
}

// The built-in devices (and any plugin on NURI_PLUGIN_PATH).
rt::DeviceRegistry& registry() {
  return rt::DeviceRegistry::global();
}

// The layer's four FC GEMMs on one device's tensor-parallel share at `batch` tokens: QKV
// (d x 3d/tp), output projection (d/tp x d), MLP up (d x 4d/tp) and down (4d/tp x d). Weights
// are placeholders (timing-only), activations small graph inputs.
ir::Graph fc_layer(const System& s, int64_t batch) {
  ir::GraphBuilder b("fc_layer");
  const int64_t d = s.d_model, t = s.tp;
  const int64_t shapes[4][2] = {{d, 3 * d / t}, {d / t, d}, {d, 4 * d / t}, {4 * d / t, d}};
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    const auto x = b.input("x" + n, DType::BF16, {batch, shapes[i][0]});
    const auto w = b.constant_placeholder("w" + n, DType::BF16, {shapes[i][0], shapes[i][1]});
    b.output(b.matmul(x, w));
  }
  return b.build();
}

// Decode attention of `batch` requests x `heads` heads over `context` keys. With past: the new
// token's K/V appended to a cache of context - 1 (as the pim maps it, cache resident). Without:
// K/V of the whole context as weight-less constants (the npu reads them from its DRAM). 2-byte
// caches as both papers use (fp16): bf16 on the npu, f16 on the pim.
ir::Graph attention(int64_t batch, int64_t heads, int64_t dim, int64_t context, bool with_past) {
  ir::GraphBuilder b("decode_attention");
  const auto dt = with_past ? DType::F16 : DType::BF16;
  const auto q = b.input("q", dt, {batch, heads, 1, dim});
  if (!with_past) {
    const auto k = b.constant_placeholder("k", dt, {batch, heads, context, dim});
    const auto v = b.constant_placeholder("v", dt, {batch, heads, context, dim});
    b.output(b.add(ir::OpKind::Attention, {q, k, v}, {}, 1, "attn").front());
    return b.build();
  }
  const auto k = b.input("k", dt, {batch, heads, 1, dim});
  const auto v = b.input("v", dt, {batch, heads, 1, dim});
  const auto pk = b.input("past_k", dt, {batch, heads, context - 1, dim});
  const auto pv = b.input("past_v", dt, {batch, heads, context - 1, dim});
  for (auto o : b.add(ir::OpKind::Attention, {q, k, v, ir::kNoValue, pk, pv}, {}, 3, "attn"))
    b.output(o);
  return b.build();
}

// Simulated time (us) of a whole graph on the npu, timing-only; -1 if any node leaves it.
double npu_us(const System& s, ir::Graph g) {
  std::vector<rt::TensorView> inputs;  // no data: the session only times the run
  for (ir::ValueId v : g.inputs()) inputs.push_back({g.value(v).type.dtype, g.value(v).type.shape});
  rt::SessionOptions o;
  o.timing_only = true;
  o.devices = {"npu"};
  o.fallback_device = "ref";
  o.device_options["npu"] = "config=" + config_path(s.npu_config) + ";trace=0;timing_only=1";
  rt::Session session(std::move(g), o, registry());
  session.run(inputs);
  double ns = 0;
  for (const auto& ps : session.last_stats()) {
    if (ps.device != "npu") {
      std::fprintf(stderr, "a partition ran on %s, not the npu\n", ps.device.c_str());
      return -1;
    }
    ns += ps.stats.elapsed_ns;
  }
  return ns * 1e-3;
}

// The pim's timing simulation of the attention node (its cost estimate), one stack.
double pim_us(const System& s, const ir::Graph& g) {
  const auto pim = registry().create(
      "pim", "config=" + config_path(s.pim_config) + ";timing_only=1;kv_resident=1");
  const ir::GraphDesc desc(g);
  const rt::OpSupport sup = pim->query_op(desc.get(), 0);
  if (!sup.supported) {
    std::fprintf(stderr, "pim declines: %s\n", sup.reason.c_str());
    return -1;
  }
  const auto sec = pim->estimate_cost(desc.get(), 0);
  return sec ? *sec * 1e6 : -1;
}

// The npu device's roofline estimate of the attention node: max(MACs / peak, bytes / bandwidth),
// the most favourable npu-only attention (what a kernel at full bandwidth would take).
double npu_roofline_us(const System& s, const ir::Graph& g) {
  const auto npu =
      registry().create("npu", "config=" + config_path(s.npu_config) + ";timing_only=1");
  const ir::GraphDesc desc(g);
  const auto sec = npu->estimate_cost(desc.get(), 0);
  return sec && *sec >= 0 ? *sec * 1e6 : -1;
}

struct Step {
  double fc = 0, attn_npu = 0, attn_npu_roofline = 0, attn_pim = 0;
};

Step decode_step(const System& s, int64_t batch, int64_t context) {
  const int64_t heads = s.heads / s.tp;
  Step r;
  r.fc = npu_us(s, fc_layer(s, batch));
  r.attn_npu = npu_us(s, attention(batch, heads, s.head_dim, context, false));
  r.attn_npu_roofline = npu_roofline_us(s, attention(batch, heads, s.head_dim, context, false));
  // The batch's heads split evenly over the stacks, which run in parallel: the busiest stack's
  // share (a head's work does not depend on its request).
  const int64_t per_stack = (batch * heads + s.pim_stacks - 1) / s.pim_stacks;
  r.attn_pim = pim_us(s, attention(1, per_stack, s.head_dim, context, true));
  return r;
}

void BM_AttAccDgxDecodeStep(benchmark::State& state) {
  const int64_t batch = state.range(0), context = state.range(1);
  Step r;
  for (auto _ : state) r = decode_step(kAttAcc, batch, context);
  state.counters["fc_npu_us"] = r.fc;
  state.counters["attn_npu_us"] = r.attn_npu;
  state.counters["attn_pim_us"] = r.attn_pim;
  state.counters["npu_only_us"] = r.fc + r.attn_npu;
  state.counters["npu_pim_us"] = r.fc + r.attn_pim;
  state.counters["attn_npu_roofline_us"] = r.attn_npu_roofline;
  state.counters["speedup"] = (r.fc + r.attn_npu) / (r.fc + r.attn_pim);
  state.counters["speedup_vs_roofline"] = (r.fc + r.attn_npu_roofline) / (r.fc + r.attn_pim);
}
// The batches whose PIM figures AttAcc's committed ramulator.out holds for every context of the
// generation (32, 48, 95: 77, 116 and 228 heads per stack); others need its Ramulator.
BENCHMARK(BM_AttAccDgxDecodeStep)
    ->ArgsProduct({{32, 48, 95}, {2112}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_NeuPimsDecodeStep(benchmark::State& state) {
  const int64_t batch = state.range(0), context = state.range(1);
  Step r, half;
  for (auto _ : state) {
    r = decode_step(kNeuPims, batch, context);
    half = decode_step(kNeuPims, batch / 2, context);
  }
  // Two sub-batches interleaved: the npu's FCs of one half overlap the pim's attention of the
  // other; per layer each unit runs twice its half, so the step takes 2 x max of the halves.
  const double interleaved = 2 * std::max(half.fc, half.attn_pim);
  state.counters["fc_npu_us"] = r.fc;
  state.counters["attn_npu_us"] = r.attn_npu;
  state.counters["attn_pim_us"] = r.attn_pim;
  state.counters["npu_only_us"] = r.fc + r.attn_npu;
  state.counters["npu_pim_us"] = r.fc + r.attn_pim;
  state.counters["interleaved_us"] = interleaved;
  state.counters["attn_npu_roofline_us"] = r.attn_npu_roofline;
  state.counters["speedup_blocked"] = (r.fc + r.attn_npu) / (r.fc + r.attn_pim);
  state.counters["speedup_blocked_vs_roofline"] =
      (r.fc + r.attn_npu_roofline) / (r.fc + r.attn_pim);
  state.counters["speedup_interleaved"] = (r.fc + r.attn_npu) / interleaved;
}
BENCHMARK(BM_NeuPimsDecodeStep)
    ->ArgsProduct({{64, 128, 256, 512}, {1024}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
