// A decode step on the cpu engine: attention appends the new keys/values to the cache itself,
// per-layer Gathers of a stacked cache input are views, and the Concats that stack the presents
// back are written in place; outputs match RefProgram.
#include <gtest/gtest.h>

#include "compiler/ir/builder.h"
#include "compiler/models/catalogue.h"
#include "tests/devices/cpu/program_test_util.h"

namespace nuri::cpu::test {
namespace {

int reference_steps(const CpuProgram& p) {
  int n = 0;
  for (const std::string& line : p.describe()) n += line.rfind("ref ", 0) == 0;
  return n;
}

void expect_matches_reference(const ir::Graph& g, const std::vector<Tensor>& in,
                              const CpuProgram& cpu, std::vector<Tensor> got) {
  const auto want = ref::RefProgram(g).run(in);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(all_close(got[i], want[i], 1e-5, 1e-4)) << "output " << i << description(cpu);
}

TEST(CpuKvCache, BuiltinDecodeStepMatchesReference) {
  for (int64_t seq : {1, 3}) {
    ir::ModelSizes s{.layers = 2, .d_model = 64, .heads = 4, .vocab = 97, .seq = seq, .past = 7};
    const ir::BuiltinModel m = ir::build_builtin_model("gpt2-small", s, 3);
    std::vector<Tensor> in{m.ids};
    for (int i = 0; i < 4; ++i) in.push_back(random_tensor({1, 4, 7, 16}, 10 + i));
    CpuProgram cpu(m.graph, {.threads = 1});
    expect_matches_reference(m.graph, in, cpu, cpu.run(in));
    // Both layers' attention (with the cache) run on the fast kernel, not the reference one.
    EXPECT_TRUE(describes(cpu, "attention h0.attn")) << description(cpu);
    EXPECT_TRUE(describes(cpu, "attention h1.attn")) << description(cpu);
  }
}

// The ONNX export's cache layout (/work/shared/ort-baseline/gpt_block.py): one input past
// [L, 2, 1, H, P, D] taken apart by Gathers, and one output present [L, 2, 1, H, P+S, D]
// stacked by Unsqueeze + Concat.
struct StackedCache {
  int64_t layers, h, p, s, d;
};
ir::Graph stacked_cache_graph(const StackedCache& c) {
  ir::GraphBuilder b("stacked_cache");
  const ir::ValueId q = b.input("q", DType::F32, {1, c.h, c.s, c.d});
  const ir::ValueId k = b.input("k", DType::F32, {1, c.h, c.s, c.d});
  const ir::ValueId v = b.input("v", DType::F32, {1, c.h, c.s, c.d});
  const ir::ValueId past = b.input("past", DType::F32, {c.layers, 2, 1, c.h, c.p, c.d});
  int constants = 0;
  const auto index = [&](int64_t i) {
    return b.constant("index" + std::to_string(constants++),
                      Tensor::from<int64_t>(DType::I64, {}, {i}));
  };
  const auto unsqueeze0 = [&](ir::ValueId x) {
    return b.add1(ir::OpKind::Unsqueeze, {x}, {{"axes", std::vector<int64_t>{0}}});
  };
  std::vector<ir::ValueId> stacked;
  ir::ValueId y = q;
  for (int64_t l = 0; l < c.layers; ++l) {
    const ir::ValueId pl = b.add1(ir::OpKind::Gather, {past, index(l)}, {{"axis", int64_t{0}}});
    const ir::ValueId pk = b.add1(ir::OpKind::Gather, {pl, index(0)}, {{"axis", int64_t{0}}});
    const ir::ValueId pv = b.add1(ir::OpKind::Gather, {pl, index(1)}, {{"axis", int64_t{0}}});
    const auto att =
        b.add(ir::OpKind::Attention, {y, k, v, ir::kNoValue, pk, pv}, {{"causal", int64_t{1}}}, 3);
    y = att[0];
    stacked.push_back(unsqueeze0(b.add1(
        ir::OpKind::Concat, {unsqueeze0(att[1]), unsqueeze0(att[2])}, {{"axis", int64_t{0}}})));
  }
  b.output(y);
  b.output(b.add1(ir::OpKind::Concat, stacked, {{"axis", int64_t{0}}}));
  return b.build();
}

std::vector<Tensor> stacked_cache_inputs(const StackedCache& c) {
  return {random_tensor({1, c.h, c.s, c.d}, 1), random_tensor({1, c.h, c.s, c.d}, 2),
          random_tensor({1, c.h, c.s, c.d}, 3), random_tensor({c.layers, 2, 1, c.h, c.p, c.d}, 4)};
}

TEST(CpuKvCache, StackedCacheNeedsNoCopies) {
  const StackedCache c{2, 2, 5, 1, 8};
  const ir::Graph g = stacked_cache_graph(c);
  const std::vector<Tensor> in = stacked_cache_inputs(c);
  CpuProgram cpu(g, {.threads = 1});
  expect_matches_reference(g, in, cpu, cpu.run(in));
  // Two attention steps and nothing else: no Gather or Concat copies.
  EXPECT_EQ(cpu.describe().size(), 2u) << description(cpu);
  EXPECT_EQ(reference_steps(cpu), 0) << description(cpu);
  // Unfused (one step per node), the same graph gives the same outputs.
  CpuProgram plain(g, {.threads = 1, .fuse = false});
  expect_matches_reference(g, in, plain, plain.run(in));
}

// A decode step's attention copies the past into present as it reads it (heads split over two
// threads); with a run's bytes over the streaming threshold the present goes out with
// non-temporal stores. Either way present is concat(past, new) exactly.
TEST(CpuKvCache, PresentIsThePastAndTheNewRowsExactly) {
  const StackedCache c{2, 3, 37, 1, 16};
  const ir::Graph g = stacked_cache_graph(c);
  const std::vector<Tensor> in = stacked_cache_inputs(c);
  for (int64_t threshold : {int64_t{0}, int64_t{1}}) {
    CpuProgram cpu(g, {.threads = 2, .streaming_store_bytes = threshold});
    EXPECT_EQ(describes(cpu, "[present streamed]"), threshold > 0) << description(cpu);
    const std::vector<Tensor> got = cpu.run(in);
    expect_matches_reference(g, in, cpu, got);
    const float* past = in[3].data_as<float>();
    const float* fresh[2] = {in[1].data_as<float>(), in[2].data_as<float>()};
    const float* present = got[1].data_as<float>();
    for (int64_t l = 0; l < c.layers; ++l)
      for (int64_t kv = 0; kv < 2; ++kv)
        for (int64_t h = 0; h < c.h; ++h)
          for (int64_t t = 0; t <= c.p; ++t)
            for (int64_t i = 0; i < c.d; ++i) {
              const float want = t < c.p ? past[((((l * 2 + kv) * c.h + h) * c.p) + t) * c.d + i]
                                         : fresh[kv][h * c.d + i];
              ASSERT_EQ(present[((((l * 2 + kv) * c.h + h) * (c.p + 1)) + t) * c.d + i], want)
                  << "layer " << l << " kv " << kv << " head " << h << " row " << t;
            }
  }
}

// The in-place cache (Attention's kv_len): presents bound to the pasts' own memory. A decode
// step after a prefill writes row kv_len of each cache and matches RefProgram fed copies; a
// kv_len that leaves no room is refused naming the node.
TEST(CpuKvCache, InPlaceCacheAppendsWhereKvLenSays) {
  const ir::ModelSizes base{.layers = 2, .d_model = 64, .heads = 4, .vocab = 97};
  const int64_t capacity = 6, prompt = 4;
  ir::ModelSizes ps = base, ds = base;
  ps.seq = prompt;
  ps.kv_capacity = capacity;
  ds.seq = 1;
  ds.kv_capacity = capacity;
  const ir::BuiltinModel pm = ir::build_builtin_model("llama2-7b", ps, 3);
  const ir::BuiltinModel dm = ir::build_builtin_model("llama2-7b", ds, 3);
  std::vector<Tensor> cache;
  for (int i = 0; i < 4; ++i) cache.push_back(random_tensor({1, 4, capacity, 16}, 20 + i));
  Tensor positions(DType::I64, {1, prompt});
  for (int64_t i = 0; i < prompt; ++i) positions.data_as<int64_t>()[i] = i;
  Tensor kv_len = Tensor::from<int64_t>(DType::I64, {1}, {0});
  const auto run_in_place = [&](CpuProgram& p, const Tensor& ids, const Tensor& pos,
                                Tensor& logits) {
    std::vector<const void*> in{ids.data(), pos.data(), kv_len.data()};
    std::vector<void*> out{logits.data()};
    for (Tensor& c : cache) {
      in.push_back(c.data());
      out.push_back(c.data());
    }
    p.run(in, out);
  };
  const auto ref_outputs = [&](const ir::Graph& g, const Tensor& ids, const Tensor& pos) {
    std::vector<Tensor> in{ids, pos, kv_len};
    in.insert(in.end(), cache.begin(), cache.end());
    return ref::RefProgram(g).run(in);
  };
  CpuProgram prefill(pm.graph, {.threads = 1}), decode(dm.graph, {.threads = 1});
  EXPECT_TRUE(describes(decode, "attention layers.0.attn")) << description(decode);
  Tensor logits(DType::F32, {1, prompt, 97});
  auto want = ref_outputs(pm.graph, pm.ids, positions);
  run_in_place(prefill, pm.ids, positions, logits);
  EXPECT_TRUE(all_close(logits, want[0], 1e-5, 1e-4));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(all_close(cache[i], want[1 + i], 1e-5, 1e-4)) << i;

  const Tensor id = Tensor::from<int64_t>(DType::I64, {1, 1}, {7});
  const Tensor pos = Tensor::from<int64_t>(DType::I64, {1, 1}, {prompt});
  *kv_len.data_as<int64_t>() = prompt;
  Tensor step_logits(DType::F32, {1, 1, 97});
  want = ref_outputs(dm.graph, id, pos);
  const Tensor untouched_row = cache[0];  // row capacity-1 must stay as it was
  run_in_place(decode, id, pos, step_logits);
  EXPECT_TRUE(all_close(step_logits, want[0], 1e-5, 1e-4));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(all_close(cache[i], want[1 + i], 1e-5, 1e-4)) << i;
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t j = 0; j < 16; ++j) {
      const int64_t at = (h * capacity + capacity - 1) * 16 + j;
      EXPECT_EQ(cache[0].data_as<float>()[at], untouched_row.data_as<float>()[at]);
    }

  *kv_len.data_as<int64_t>() = capacity;  // no room for the new token
  try {
    run_in_place(decode, id, pos, step_logits);
    ADD_FAILURE() << "a full cache was not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layers.0.attn"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("capacity 6"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nuri::cpu::test
