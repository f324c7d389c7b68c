// Decode attention on the npu: past K/V (present = concat(past, new)), an explicit mask (bool or
// additive float), causal with queries at the end of the cache, grouped-query heads. Outputs
// against the ref device within bf16 tolerances; bytes and cycles of a small case against a
// hand count and the roofline.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "runtime/registry.h"
#include "runtime/session.h"
#include "simulator/npu/config.h"
#include "tests/devices/npu/npu_test_registry.h"

namespace nuri {
namespace {

namespace fs = std::filesystem;

rt::DeviceRegistry& registry() {
  return npu_test::builtin_registry();
}

struct Case {
  int64_t hq, hkv, s, t_new, past, d;
  bool causal;
  enum Mask { None, Bool, Additive } mask;
  bool mask_per_head;  // [1, Hq, S, T] rather than [1, 1, S, T]
  bool hidden_row;     // the mask hides every key of query row 0 (the output row is 0)
  int64_t batch;       // with a mask: one per batch element ([B, ...])
};

// Attention with past K/V (when past > 0) and three outputs.
ir::Graph attention_graph(const Case& c) {
  ir::GraphBuilder b("decode_attention");
  const int64_t B = c.batch;
  const ir::ValueId q = b.input("q", DType::F32, {B, c.hq, c.s, c.d});
  const ir::ValueId k = b.input("k", DType::F32, {B, c.hkv, c.t_new, c.d});
  const ir::ValueId v = b.input("v", DType::F32, {B, c.hkv, c.t_new, c.d});
  const int64_t T = c.past + c.t_new;
  ir::ValueId mask = ir::kNoValue;
  if (c.mask != Case::None)
    mask = b.input("mask", c.mask == Case::Bool ? DType::Bool : DType::F32,
                   {B, c.mask_per_head ? c.hq : 1, c.s, T});
  std::vector<ir::ValueId> in{q, k, v, mask};
  if (c.past > 0) {
    in.push_back(b.input("past_k", DType::F32, {B, c.hkv, c.past, c.d}));
    in.push_back(b.input("past_v", DType::F32, {B, c.hkv, c.past, c.d}));
  }
  while (in.back() == ir::kNoValue) in.pop_back();
  const size_t outs = c.past > 0 ? 3 : 1;
  const auto o =
      b.add(ir::OpKind::Attention, in, {{"causal", int64_t{c.causal ? 1 : 0}}}, outs, "attn");
  for (ir::ValueId x : o) b.output(x);
  return b.build();
}

// Deterministic inputs in [-1.1, 1.1]; masks allow about 3 keys in 4 and always key 0 (but in
// row 0 with hidden_row); the additive mask adds small finite offsets, -1e9 or -inf to hide.
std::vector<Tensor> inputs(const ir::Graph& g, bool hidden_row = false) {
  std::vector<Tensor> in;
  int seed = 3;
  for (ir::ValueId id : g.inputs()) {
    const ir::TensorType& t = g.value(id).type;
    Tensor x(t.dtype, t.shape);
    const int64_t keys = t.shape.back(),
                  rows = t.shape.size() > 1 ? t.shape[t.shape.size() - 2] : 1;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const bool hidden = hidden_row && (i / keys) % rows == 0;
      const bool allowed = !hidden && (i % keys == 0 || (i * 7 + seed) % 4 != 0);
      if (t.dtype == DType::Bool)
        x.data_as<uint8_t>()[i] = allowed ? 1 : 0;
      else if (g.value(id).name == "mask")
        x.data_as<float>()[i] = allowed  ? 0.25f * float(i % 3)
                                : hidden ? -std::numeric_limits<float>::infinity()
                                         : -1e9f;
      else
        x.data_as<float>()[i] = 0.1f * static_cast<float>((i * (7 + seed)) % 23 - 11);
    }
    ++seed;
    in.push_back(std::move(x));
  }
  return in;
}

rt::SessionOptions on(const std::string& device, const std::string& opts = "") {
  rt::SessionOptions o;
  o.devices = {device};
  o.fallback_device = "ref";
  if (!opts.empty()) o.device_options[device] = opts;
  return o;
}

class DecodeAttention : public ::testing::TestWithParam<Case> {};

TEST_P(DecodeAttention, MatchesRefOnTheNpu) {
  const Case c = GetParam();
  const ir::Graph g = attention_graph(c);
  const std::vector<Tensor> in = inputs(g, c.hidden_row);
  rt::Session npu(g, on("npu"), registry());
  for (size_t i = 0; i < npu.graph().nodes().size(); ++i)
    ASSERT_EQ(npu.devices()[npu.plan().target_of_node[i]]->name(), "npu") << npu.placement_report();
  const std::vector<Tensor> got = npu.run(in);
  rt::Session ref(g, on("ref"), registry());
  const std::vector<Tensor> want = ref.run(in);
  ASSERT_EQ(got.size(), want.size());
  // Output: Q, K, V, P rounded to bf16 (2^-9 relative each) with f32 accumulation: within 2% of
  // max |ref| everywhere and 0.5% on average, as the other attention tests.
  double max_ref = 0, max_err = 0, sum_err = 0;
  const float *a = got[0].data_as<float>(), *b = want[0].data_as<float>();
  for (int64_t i = 0; i < got[0].numel(); ++i) {
    ASSERT_FALSE(std::isnan(a[i])) << i;
    max_ref = std::max(max_ref, std::abs(double(b[i])));
    max_err = std::max(max_err, std::abs(double(a[i]) - b[i]));
    sum_err += std::abs(double(a[i]) - b[i]);
  }
  EXPECT_LE(max_err, 0.02 * max_ref);
  EXPECT_LE(sum_err / double(got[0].numel()), 0.005 * max_ref);
  // present K / V: the inputs, only rounded to bf16 (8 significant bits: half an ulp <= 2^-8).
  for (size_t o = 1; o < got.size(); ++o) {
    ASSERT_EQ(got[o].shape(), want[o].shape());
    for (int64_t i = 0; i < got[o].numel(); ++i)
      ASSERT_NEAR(got[o].data_as<float>()[i], want[o].data_as<float>()[i],
                  std::ldexp(std::abs(want[o].data_as<float>()[i]), -8))
          << "output " << o << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Npu, DecodeAttention,
    ::testing::Values(
        // one-token decode step, grouped-query (4 query heads on 2 kv heads), 15 cached
        Case{4, 2, 1, 1, 15, 16, true, Case::None, false, false, 1},
        // prefill of 4 tokens after 8 cached, additive mask shared by the heads
        Case{2, 2, 4, 4, 8, 16, false, Case::Additive, false, false, 1},
        // bool mask per head, causal over the cache, grouped-query 6 on 2
        Case{6, 2, 3, 3, 5, 8, true, Case::Bool, true, false, 1},
        // no past, grouped-query and a mask
        Case{4, 1, 8, 8, 0, 16, true, Case::Additive, true, false, 1},
        // a query row whose every key is hidden comes out 0, as ref (bool, then additive -inf)
        Case{2, 1, 4, 4, 4, 8, false, Case::Bool, false, true, 1},
        Case{2, 2, 4, 4, 0, 8, true, Case::Additive, true, true, 1},
        // a batch of 3 decode steps (grouped-query, per-element bool mask, 6 cached each)
        Case{4, 2, 1, 1, 6, 8, true, Case::Bool, false, false, 3}));

// Unknown optional inputs (a later op version's cache length, say) are refused with a reason,
// and the node runs on the fallback device instead.
TEST(DecodeAttentionPlacement, RefusesUnknownOptionalInputs) {
  ir::GraphBuilder b("attn7");
  const ir::ValueId q = b.input("q", DType::F32, {1, 2, 1, 8});
  const ir::ValueId k = b.input("k", DType::F32, {1, 2, 1, 8});
  const ir::ValueId v = b.input("v", DType::F32, {1, 2, 1, 8});
  const ir::ValueId pk = b.input("past_k", DType::F32, {1, 2, 4, 8});
  const ir::ValueId pv = b.input("past_v", DType::F32, {1, 2, 4, 8});
  const auto o = b.add(ir::OpKind::Attention, {q, k, v, ir::kNoValue, pk, pv}, {}, 3, "attn");
  for (ir::ValueId x : o) b.output(x);
  ir::Graph g = b.build();
  // A seventh input the IR does not know yet: appended after shape inference checked the node.
  ir::Graph g7 = g;
  const ir::ValueId len = g7.add_input("cache_len", {DType::I64, {1}});
  g7.mutable_nodes().front().inputs.push_back(len);
  const ir::GraphDesc desc(g7);
  auto dev = registry().create("npu", "");
  const rt::OpSupport s = dev->query_op(desc.get(), 0);
  EXPECT_FALSE(s.supported);
  EXPECT_NE(s.reason.find("input 6"), std::string::npos) << s.reason;
}

// One decode step, 8 query heads on 2 kv heads, 8 cores (rngd-like): a core per query head; each
// loads its kv head's K and V once, its query row, and stores its output row. Bytes are exact;
// cycles are never below the bandwidth or array bound of those bytes and MACs.
TEST(DecodeAttentionTiming, BytesByHandAndRoofline) {
  const Case c{8, 2, 1, 1, 63, 64, true, Case::None, false, false, 1};
  const int64_t T = c.past + c.t_new;
  const ir::Graph g = attention_graph(c);
  rt::Session s(g, on("npu", "config=rngd-like;timing_only=1"), registry());
  s.run(inputs(g));
  const fs::path dir = fs::temp_directory_path() / "nuri_npu_decode_attention";
  fs::create_directories(dir);
  const auto files = s.write_reports((dir / "r").string(), "");
  const auto cfg = sim::npu::preset_config("rngd-like");
  ASSERT_EQ(cfg.cores, 8u);
  const double e = 2;  // bf16
  bool seen = false;
  for (const std::string& f : files) {
    std::ifstream fin(f);
    const nlohmann::json j = nlohmann::json::parse(fin);
    for (const auto& op : j["ops"]) {
      if (op["label"] != "attn") continue;
      seen = true;
      const double kv = 2.0 * double(T * c.d) * e;      // K and V of one kv head
      const double rows = 2.0 * double(c.s * c.d) * e;  // one query row in, one out
      const double want_bytes = double(c.hq) * (kv + rows);
      EXPECT_EQ(op["dram_bytes"].get<double>(), want_bytes);
      const double bytes_per_cycle = cfg.memory.aggregate_gbps() / cfg.clock_ghz();
      const double macs = double(c.hq) * 2.0 * double(c.s * T * c.d);  // QK^T and PV
      EXPECT_EQ(op["macs"].get<double>(), macs);
      const double cycles = op["cycles"].get<double>();
      EXPECT_GE(cycles, want_bytes / bytes_per_cycle);
      EXPECT_GE(cycles, macs / double(cfg.peak_macs_per_cycle()));
    }
  }
  EXPECT_TRUE(seen);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nuri
