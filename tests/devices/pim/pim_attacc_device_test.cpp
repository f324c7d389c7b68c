// Decode attention on an AttAcc preset through the `pim` device: placed on pim, the numbers of
// the reference device, and the time of AttAcc's placement (simulator/pim/pim_attacc).
#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "devices/pim/pim_device.h"
#include "kernels/cpu/half.h"
#include "runtime/session.h"
#include "simulator/pim/pim_attacc.h"
#include "tests/devices/pim/pim_test_util.h"

namespace nuri::pim {
namespace {

TEST(PimAttAccDevice, DecodeAttentionTakesAttAccPlacementTimeAndMatchesRef) {
  // GQA: 8 query heads over 4 KV heads (batch 1), D 128, past 511 + 1 new token.
  const int64_t hq = 8, hkv = 4, dh = 128, past = 511, len = past + 1;
  ir::GraphBuilder b("attn");
  const auto q = b.input("q", DType::F16, {1, hq, 1, dh});
  const auto k = b.input("k", DType::F16, {1, hkv, 1, dh});
  const auto v = b.input("v", DType::F16, {1, hkv, 1, dh});
  const auto pk = b.input("past_k", DType::F16, {1, hkv, past, dh});
  const auto pv = b.input("past_v", DType::F16, {1, hkv, past, dh});
  b.output(b.add(ir::OpKind::Attention, {q, k, v, ir::kNoValue, pk, pv}, {}, 1, "attn").front());
  const ir::Graph g = b.build();
  const std::vector<Tensor> in = {random_tensor(DType::F16, {1, hq, 1, dh}, 20, 2.0),
                                  random_tensor(DType::F16, {1, hkv, 1, dh}, 21, 1.0),
                                  random_tensor(DType::F16, {1, hkv, 1, dh}, 22, 1.0),
                                  random_tensor(DType::F16, {1, hkv, past, dh}, 23, 1.0),
                                  random_tensor(DType::F16, {1, hkv, past, dh}, 24, 1.0)};
  rt::DeviceRegistry reg;
  rt::register_builtin_devices(reg);
  rt::SessionOptions po, ro;
  po.devices = {"pim"};
  po.fallback_device = "ref";
  po.strict = true;
  po.device_options["pim"] = "config=AttAcc-bank;kv_resident=1";
  ro.devices = {"ref"};
  ro.fallback_device = "ref";
  rt::Session pim(g, po, reg), ref(g, ro, reg);
  EXPECT_EQ(device_of(pim, "attn"), "pim");
  const Tensor got = pim.run(in)[0], want = ref.run(in)[0];
  std::vector<float> gf(size_t(got.numel())), wf(gf.size());
  kernels::f16_to_f32(got.data_as<uint16_t>(), gf.data(), gf.size());
  kernels::f16_to_f32(want.data_as<uint16_t>(), wf.data(), wf.size());
  for (size_t i = 0; i < gf.size(); ++i)  // as the HBM-PIM attention test: 1e-2 + f16 rounding
    ASSERT_LE(std::abs(gf[i] - wf[i]), 1e-2 + 0x1.0p-10 * std::abs(wf[i])) << "element " << i;

  // Time: AttAcc's placement of 4 (batch x KV head) heads, 2 queries each, plus writing the new
  // token's K and V rows (kv_resident) at the bus peak.
  const auto cfg = sim::pim::PimConfig::preset("AttAcc-bank");
  const int64_t attn = sim::pim::run_attacc_attention(cfg, {hkv, len, dh, dh, hq / hkv}).cycles;
  const double bus_bytes_per_tck = cfg.dram.peak_bytes_per_ns() * cfg.dram.t.tck_ns;
  const auto kv = int64_t(std::ceil(double(hkv * 1 * 2 * dh * 2) / bus_bytes_per_tck));
  uint64_t cycles = 0;
  for (const auto& s : pim.last_stats()) cycles += s.stats.cycles;
  EXPECT_EQ(cycles, uint64_t(attn + kv));
}

TEST(PimAttAccDevice, PimAndNpuPutDecodeAttentionOnPim) {
  // `--device pim,npu` with the default npu preset: a decode step's attention over a KV cache
  // goes to pim in priority order, and also when the cost policy compares the two estimates.
  const int64_t hq = 12, dh = 64, past = 1023;
  ir::GraphBuilder b("decode");
  const auto q = b.input("q", DType::F16, {1, hq, 1, dh});
  const auto k = b.input("k", DType::F16, {1, hq, 1, dh});
  const auto v = b.input("v", DType::F16, {1, hq, 1, dh});
  const auto pk = b.input("past_k", DType::F16, {1, hq, past, dh});
  const auto pv = b.input("past_v", DType::F16, {1, hq, past, dh});
  for (auto o : b.add(ir::OpKind::Attention, {q, k, v, ir::kNoValue, pk, pv}, {}, 3, "attn"))
    b.output(o);
  const ir::Graph g = b.build();
  rt::DeviceRegistry reg;
  rt::register_builtin_devices(reg);
  for (const auto policy : {ir::PlacementPolicy::Priority, ir::PlacementPolicy::Cost}) {
    rt::SessionOptions o;
    o.devices = policy == ir::PlacementPolicy::Priority ? std::vector<std::string>{"pim", "npu"}
                                                        : std::vector<std::string>{"npu", "pim"};
    o.fallback_device = "ref";
    o.placement_policy = policy;
    o.device_options["pim"] = "timing_only=1;kv_resident=1";
    o.device_options["npu"] = "timing_only=1";
    rt::Session s(g, o, reg);
    EXPECT_EQ(device_of(s, "attn"), "pim") << s.placement_report();
  }
}

}  // namespace
}  // namespace nuri::pim
