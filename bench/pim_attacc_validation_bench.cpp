// Issue 13 item 6 / issue 16: decode attention of a GPT-3-175B layer (96 heads, head dim 128,
// f16) over a KV cache, as the pim device (AttAcc-bank, cache resident) and the npu device
// (default preset) each estimate it through the device ABI: the heterogeneous question AttAcc
// asks (attention in PIM vs on the compute device). Counters: each device's time per decode
// step (us) and their ratio; -1 where a device declines (its reason goes to stderr). Batch and
// context points follow AttAcc's (Lin 2048, batch up to 64 per GPU's share).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "runtime/registry.h"

namespace {

// One decode step's attention over `context` keys: with past (the new token's K/V appended to a
// cache of context - 1, as the pim device maps it), or with K/V of the whole context given
// directly (the same reads and MACs, no past inputs: the npu's fallback when it declines past).
nuri::ir::Graph decode_attention(int64_t batch, int64_t context, bool with_past) {
  constexpr int64_t kHeads = 96, kDim = 128;
  nuri::ir::GraphBuilder b("gpt3_attention");
  const auto dt = nuri::DType::F32;  // both devices take f32 (pim computes in f16, npu in bf16)
  const auto q = b.input("q", dt, {batch, kHeads, 1, kDim});
  const int64_t kv = with_past ? 1 : context;
  const auto k = b.input("k", dt, {batch, kHeads, kv, kDim});
  const auto v = b.input("v", dt, {batch, kHeads, kv, kDim});
  if (!with_past) {
    b.output(b.add(nuri::ir::OpKind::Attention, {q, k, v}, {}, 1, "attn").front());
    return b.build();
  }
  const auto pk = b.input("past_k", dt, {batch, kHeads, context - 1, kDim});
  const auto pv = b.input("past_v", dt, {batch, kHeads, context - 1, kDim});
  for (auto o :
       b.add(nuri::ir::OpKind::Attention, {q, k, v, nuri::ir::kNoValue, pk, pv}, {}, 3, "attn"))
    b.output(o);
  return b.build();
}

double estimate_us(nuri::rt::Device& d, const nuri_graph_desc* g) {
  const nuri::rt::OpSupport s = d.query_op(g, 0);
  if (!s.supported) {
    std::fprintf(stderr, "%s declines: %s\n", d.name().c_str(), s.reason.c_str());
    return -1;
  }
  const auto sec = d.estimate_cost(g, 0);
  return sec ? *sec * 1e6 : -1;
}

void BM_Gpt3DecodeAttentionPimVsNpu(benchmark::State& state) {
  const int64_t batch = state.range(0), context = state.range(1);
  nuri::rt::DeviceRegistry reg;
  nuri::rt::register_builtin_devices(reg);
  const auto pim = reg.create("pim", "config=AttAcc-bank;timing_only=1;kv_resident=1");
  const auto npu = reg.create("npu", "timing_only=1");
  const nuri::ir::Graph gp = decode_attention(batch, context, true);
  const nuri::ir::Graph gn = decode_attention(batch, context, false);
  const nuri::ir::GraphDesc dp(gp), dn(gn);
  double pim_us = 0, npu_us = 0;
  for (auto _ : state) {
    pim_us = estimate_us(*pim, dp.get());
    npu_us = estimate_us(*npu, dp.get());                  // the same decode graph
    if (npu_us < 0) npu_us = estimate_us(*npu, dn.get());  // else the whole K/V given
  }
  state.counters["pim_us"] = pim_us;
  state.counters["npu_us"] = npu_us;
  state.counters["npu_over_pim"] = pim_us > 0 && npu_us > 0 ? npu_us / pim_us : -1;
}
BENCHMARK(BM_Gpt3DecodeAttentionPimVsNpu)
    ->ArgsProduct({{1, 16, 64}, {2048}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
