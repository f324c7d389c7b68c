// The vulkan device on whatever driver the loader finds (lavapipe here): graphs that need
// several kernels at sizes the conformance cases do not reach, against the ref device; data-
// dependent faults; the Khronos validation layer; and the no-driver behaviour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "compiler/ir/builder.h"
#include "compiler/models/gpt2.h"
#include "devices/vulkan/vulkan_plan.h"
#include "kernels/vulkan/context.h"
#include "runtime/session.h"
#include "tests/devices/vulkan/vulkan_test_util.h"

namespace nuri::vulkan {
namespace {

using ir::OpKind;
using ::testing::HasSubstr;

Tensor random_tensor(Shape shape, uint32_t seed, float lo = -1, float hi = 1) {
  Tensor t(DType::F32, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = dist(gen);
  return t;
}

std::vector<Tensor> run_on(const std::string& device, const ir::Graph& g,
                           const std::vector<Tensor>& inputs, bool strict = true,
                           const std::string& options = "") {
  rt::SessionOptions o;
  o.devices = {device};
  o.strict = strict;
  if (!options.empty()) o.device_options[device] = options;
  rt::Session s(g, o);
  return s.run(inputs);
}

// |got - want| <= tol * (|want| + max(1, max |want|)): the conformance suite's f32 rule.
void expect_matches(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  double scale = 1;
  for (int64_t i = 0; i < want.numel(); ++i)
    scale = std::max(scale, std::fabs(double(want.data_as<float>()[i])));
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i],
                tol * (std::fabs(want.data_as<float>()[i]) + scale))
        << what << " element " << i;
}

TEST(VulkanDevice, RegistersAndReportsItself) {
  EXPECT_TRUE(rt::DeviceRegistry::global().has("vulkan"));
  std::string why;
  auto dev = testing::vulkan_or_reason(why);
  if (!dev) GTEST_SKIP() << "no Vulkan device on this machine: " << why;
  EXPECT_EQ(dev->name(), "vulkan");
  EXPECT_THAT(dev->properties().description, HasSubstr("Vulkan compute on"));
  EXPECT_GT(dev->properties().memory_bytes, 0u);
}

// Peaks are measured (core Vulkan reports no clocks or compute units): an FMA probe and a
// buffer copy. Loose floors: 0.1 GFLOP/s and 10 MB/s are far below any driver, zero is not.
TEST(VulkanDevice, StatesMeasuredPeaks) {
  NURI_REQUIRE_VULKAN("");
  const auto dev = rt::DeviceRegistry::global().create("vulkan");
  const nuri_device_properties& p = dev->properties();
  EXPECT_GT(p.peak_ops_per_s[NURI_DTYPE_F32], 1e8);
  EXPECT_EQ(p.peak_ops_per_s[NURI_DTYPE_F16], p.peak_ops_per_s[NURI_DTYPE_F32]);
  EXPECT_GT(p.memory_bandwidth_bytes_per_s, 1e7);
  std::printf("vulkan peaks: f32 %.3g FLOP/s, %.3g bytes/s\n", p.peak_ops_per_s[NURI_DTYPE_F32],
              p.memory_bandwidth_bytes_per_s);
}

TEST(VulkanDevice, RejectsUnknownOptions) {
  NURI_REQUIRE_VULKAN("");
  EXPECT_THAT([] { rt::DeviceRegistry::global().create("vulkan", "fast=1"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("unknown option 'fast'")));
  EXPECT_THAT([] { rt::DeviceRegistry::global().create("vulkan", "device=99"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("device=99")));
}

// Tile edges in every direction (M, N, K not multiples of 64/16), a broadcast batch and a
// transposed Gemm with a row bias.
TEST(VulkanDevice, GemmShapesMatchRef) {
  NURI_REQUIRE_VULKAN("");
  ir::GraphBuilder b("gemms");
  const auto x = b.input("x", DType::F32, {3, 2, 67, 45});
  const auto w = b.constant("w", random_tensor({45, 130}, 2));
  const auto y = b.matmul(x, w);  // [3, 2, 67, 130]
  const auto a = b.input("a", DType::F32, {70, 33});
  const auto bt = b.constant("bt", random_tensor({129, 70}, 3));
  const auto c = b.constant("c", random_tensor({129}, 4));
  const auto g = b.add1(OpKind::Gemm, {a, bt, c},
                        {{"transA", int64_t{1}},
                         {"transB", int64_t{1}},
                         {"alpha", 0.5},
                         {"beta", 2.0}});  // [33, 129]
  b.output(y);
  b.output(g);
  const ir::Graph graph = b.build();
  const std::vector<Tensor> in = {random_tensor({3, 2, 67, 45}, 5), random_tensor({70, 33}, 6)};
  const auto got = run_on("vulkan", graph, in), want = run_on("ref", graph, in);
  for (size_t i = 0; i < got.size(); ++i) expect_matches(got[i], want[i], 1e-4, "output");
}

// matmul_blocked.comp (vec4 rows, R x 4*CV blocks per invocation): M, N not multiples of its
// 32x128 workgroup tile, a batch broadcast against a 2-D weight, and a Gemm with alpha, beta and
// a row bias; matmul_blocked_nt.comp for a transposed B; forced on and off so the blocked and
// tiled kernels are checked on any driver.
TEST(VulkanDevice, BlockedGemmEdgesMatchRef) {
  NURI_REQUIRE_VULKAN("");
  ir::GraphBuilder b("blocked_gemms");
  const auto x = b.input("x", DType::F32, {2, 3, 37, 68});
  const auto y = b.matmul(x, b.constant("w", random_tensor({68, 100}, 2)));  // [2, 3, 37, 100]
  const auto a = b.input("a", DType::F32, {70, 36});
  const auto g = b.add1(
      OpKind::Gemm,
      {a, b.constant("bm", random_tensor({36, 132}, 3)), b.constant("c", random_tensor({132}, 4))},
      {{"alpha", 0.5}, {"beta", 2.0}});  // [70, 132]
  // B stored transposed (a tied LM head): matmul_blocked_nt.comp; N = 101 is odd.
  const auto nt = b.add1(
      OpKind::Gemm,
      {a, b.constant("bt", random_tensor({101, 36}, 7)), b.constant("ct", random_tensor({101}, 8))},
      {{"transB", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}});  // [70, 101]
  b.output(y);
  b.output(g);
  b.output(nt);
  const ir::Graph graph = b.build();
  const std::vector<Tensor> in = {random_tensor({2, 3, 37, 68}, 5), random_tensor({70, 36}, 6)};
  const auto want = run_on("ref", graph, in);
  for (const char* options : {"gemm=blocked", "gemm=tiled"}) {
    const auto got = run_on("vulkan", graph, in, true, options);
    for (size_t i = 0; i < got.size(); ++i)
      expect_matches(got[i], want[i], 1e-4, std::string(options) + " output " + std::to_string(i));
  }
  EXPECT_THAT([] { rt::DeviceRegistry::global().create("vulkan", "gemm=fast"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("gemm='fast'")));
}

// The demo GPT-2 (embedding, LayerNorm, attention, Gelu, MatMul) end to end on the device:
// every node must be claimed (strict) and the logits match ref; once with the arena mapped
// (lavapipe's unified memory) and once through the staging-buffer copies a discrete GPU uses.
TEST(VulkanDevice, Gpt2DemoMatchesRef) {
  NURI_REQUIRE_VULKAN("");
  ir::Gpt2Config cfg;
  const ir::Graph g = ir::build_gpt2(cfg);
  const std::vector<Tensor> in = {ir::gpt2_demo_ids(cfg)};
  const auto want = run_on("ref", g, in);
  for (const char* options : {"", "staging=1"})
    expect_matches(run_on("vulkan", g, in, true, options)[0], want[0], 1e-4,
                   std::string("logits with '") + options + "'");
}

TEST(VulkanDevice, GatherOutOfRangeNamesTheNode) {
  NURI_REQUIRE_VULKAN("");
  ir::GraphBuilder b("lookup");
  const auto table = b.constant("table", random_tensor({4, 3}, 7));
  const auto ids = b.input("ids", DType::I64, {2});
  b.output(b.add1(OpKind::Gather, {table, ids}, {}, "lookup_rows"));
  const ir::Graph g = b.build();
  const auto ok = run_on("vulkan", g, {Tensor::from<int64_t>(DType::I64, {2}, {3, -4})});
  const auto want = run_on("ref", g, {Tensor::from<int64_t>(DType::I64, {2}, {3, -4})});
  expect_matches(ok[0], want[0], 0, "gathered rows");
  for (const char* options : {"", "staging=1"})
    EXPECT_THAT(
        [&] {
          run_on("vulkan", g, {Tensor::from<int64_t>(DType::I64, {2}, {1, 4})}, true, options);
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("node 'lookup_rows' (Gather)")));
}

// A storage buffer binding smaller than the model (lavapipe's is 128 MiB; GPT-2 small's token
// embedding alone is 154 MB): constants read only as texels (the blocked GEMMs' operands, the
// embedding table) lie past the binding, and the demo GPT-2 still matches ref. The cap is
// forced small so the test is quick; a cap too small even for the activations is a clear error.
TEST(VulkanDevice, ModelBiggerThanTheStorageBindingRuns) {
  NURI_REQUIRE_VULKAN("");
  ir::Gpt2Config cfg;
  const ir::Graph g = ir::build_gpt2(cfg);
  constexpr uint64_t kCap = 512 << 10;
  const Plan plan = plan_graph(g, {.blocked_gemm = true});
  EXPECT_GT(plan.arena_words * 4, kCap) << "the weights must not fit the forced binding";
  EXPECT_LE(plan.storage_words * 4, kCap);
  const std::vector<Tensor> in = {ir::gpt2_demo_ids(cfg)};
  const auto want = run_on("ref", g, in);
  for (const char* options : {"gemm=blocked;storage_binding_bytes=524288",
                              "gemm=blocked;storage_binding_bytes=524288;staging=1"})
    expect_matches(run_on("vulkan", g, in, true, options)[0], want[0], 1e-4, options);
  EXPECT_THAT([&] { run_on("vulkan", g, in, true, "gemm=blocked;storage_binding_bytes=4096"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("4096-byte binding")));
  // The texel gather reports a bad index as the storage one does.
  ir::GraphBuilder b("lookup4");
  b.output(b.add1(OpKind::Gather,
                  {b.constant("table", random_tensor({4, 8}, 9)), b.input("ids", DType::I64, {2})},
                  {}, "lookup_rows"));
  EXPECT_THAT(
      [&] {
        run_on("vulkan", b.build(), {Tensor::from<int64_t>(DType::I64, {2}, {1, 4})}, true,
               "gemm=blocked");
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("node 'lookup_rows' (Gather)")));
}

// An empty index tensor (which may arrive without a buffer) gathers an empty result.
TEST(VulkanDevice, EmptyGatherIsEmpty) {
  NURI_REQUIRE_VULKAN("");
  ir::GraphBuilder b("empty_lookup");
  const auto table = b.constant("table", random_tensor({4, 3}, 7));
  b.output(b.add1(OpKind::Gather, {table, b.input("ids", DType::I64, {0})}));
  const auto got = run_on("vulkan", b.build(), {Tensor(DType::I64, {0})});
  EXPECT_EQ(got[0].shape(), (Shape{0, 3}));
}

// Rotary embedding with position ids (interleaved and halves, a partial rotary_dim), and a
// position past the table naming the node.
TEST(VulkanDevice, RotaryMatchesRefAndChecksPositions) {
  NURI_REQUIRE_VULKAN("");
  for (int64_t interleaved : {0, 1}) {
    ir::GraphBuilder b("rope");
    const auto x = b.input("x", DType::F32, {2, 3, 5, 8});
    const auto cs = b.constant("cos", random_tensor({16, 3}, 11));
    const auto sn = b.constant("sin", random_tensor({16, 3}, 12));
    const auto pos = b.input("pos", DType::I64, {2, 5});
    b.output(b.add1(OpKind::RotaryEmbedding, {x, cs, sn, pos},
                    {{"rotary_dim", int64_t{6}}, {"interleaved", interleaved}}, "rope"));
    const ir::Graph g = b.build();
    const Tensor ids = Tensor::from<int64_t>(DType::I64, {2, 5}, {0, 1, 2, 3, 4, 15, 9, 7, 3, 0});
    const std::vector<Tensor> in = {random_tensor({2, 3, 5, 8}, 13), ids};
    expect_matches(run_on("vulkan", g, in)[0], run_on("ref", g, in)[0], 1e-5, "rope");
    const Tensor bad = Tensor::from<int64_t>(DType::I64, {2, 5}, {0, 1, 2, 3, 4, 16, 9, 7, 3, 0});
    EXPECT_THAT(
        [&] {
          run_on("vulkan", g, {in[0], bad});
        },
        ::testing::ThrowsMessage<Error>(HasSubstr("node 'rope' (RotaryEmbedding)")));
  }
}

// Bool results are packed four to a word: Equal with broadcasting, and casts through i32 and
// bool (float -> int truncates toward zero), with odd element counts.
TEST(VulkanDevice, EqualAndCastsMatchRef) {
  NURI_REQUIRE_VULKAN("");
  ir::GraphBuilder b("bools");
  const auto x = b.input("x", DType::F32, {3, 7});
  const auto row = b.input("row", DType::F32, {7});
  const auto eq = b.add1(OpKind::Equal, {x, row});
  const auto as_int = b.add1(OpKind::Cast, {x}, {{"to", std::string("i32")}});
  const auto nonzero = b.add1(OpKind::Cast, {as_int}, {{"to", std::string("bool")}});
  const auto back = b.add1(OpKind::Cast, {nonzero}, {{"to", std::string("f32")}});
  const auto picked = b.add1(OpKind::Where, {eq, x, back});
  b.output(eq);
  b.output(as_int);
  b.output(picked);
  const ir::Graph g = b.build();
  Tensor xv = random_tensor({3, 7}, 9, -3, 3), rv = random_tensor({7}, 10);
  for (int j = 0; j < 7; j += 2) xv.data_as<float>()[7 + j] = rv.data_as<float>()[j];
  const std::vector<Tensor> in = {xv, rv};
  const auto got = run_on("vulkan", g, in), want = run_on("ref", g, in);
  ASSERT_EQ(got.size(), want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].nbytes(), want[o].nbytes());
    EXPECT_EQ(0, std::memcmp(got[o].data(), want[o].data(), want[o].nbytes())) << "output " << o;
  }
}

// Every kernel runs under VK_LAYER_KHRONOS_validation; it must report nothing.
TEST(VulkanValidation, RunsCleanUnderTheKhronosLayer) {
  NURI_REQUIRE_VULKAN("");
  std::shared_ptr<kernels::vk::Context> ctx;
  try {
    ctx = kernels::vk::Context::get({-1, /*validation=*/true});
  } catch (const Error& e) {
    GTEST_SKIP() << e.what();
  }
  ir::Gpt2Config cfg;
  cfg.layers = 1;
  cfg.seq = 8;
  const ir::Graph g = ir::build_gpt2(cfg);
  const std::vector<Tensor> in = {ir::gpt2_demo_ids(cfg)};
  const auto want = run_on("ref", g, in);
  // Both GEMM kernel families, and constants past a forced small storage binding.
  for (const char* options : {"validation=1", "validation=1;staging=1", "validation=1;gemm=tiled",
                              "validation=1;gemm=blocked;storage_binding_bytes=524288;staging=1"})
    expect_matches(run_on("vulkan", g, in, true, options)[0], want[0], 1e-4, options);
  // Data movement and the KV-cache path too.
  ir::GraphBuilder b("moves");
  const auto x = b.input("x", DType::F32, {2, 3, 4});
  const auto sm = b.add1(OpKind::Softmax, {b.transpose(x, {2, 0, 1})});
  const auto sum = b.add1(OpKind::ReduceSum, {sm}, {{"axes", std::vector<int64_t>{0, 2}}});
  const auto pos = b.add1(OpKind::Cast, {sum}, {{"to", std::string("bool")}});
  b.output(b.add1(OpKind::Where, {pos, sum, b.add1(OpKind::Neg, {sum})}));
  const ir::Graph moves = b.build();
  const std::vector<Tensor> min = {random_tensor({2, 3, 4}, 8)};
  expect_matches(run_on("vulkan", moves, min, true, "validation=1")[0],
                 run_on("ref", moves, min)[0], 1e-4, "moves under validation");
  // Half precision: widened to f32, computed, rounded back.
  ir::GraphBuilder h("half");
  const auto xh = h.input("x", DType::F16, {3, 5});
  h.output(h.add1(OpKind::Softmax, {h.add1(OpKind::Cast, {xh}, {{"to", std::string("bf16")}})}));
  const ir::Graph half = h.build();
  const std::vector<Tensor> hin = {Tensor(DType::F16, {3, 5})};
  EXPECT_EQ(0, std::memcmp(run_on("vulkan", half, hin, true, "validation=1")[0].data(),
                           run_on("ref", half, hin)[0].data(), 15 * 2));
  EXPECT_EQ(ctx->validation_messages(), 0u) << ctx->first_validation_message();
}

// Run by the CTest case vulkan_without_driver with VK_ICD_FILENAMES pointing nowhere: the
// device still registers, and creating it fails saying why.
TEST(VulkanWithoutDriver, ReportsUnavailableWithTheReason) {
  if (!std::getenv("NURI_EXPECT_NO_VULKAN"))
    GTEST_SKIP() << "set NURI_EXPECT_NO_VULKAN=1 with VK_ICD_FILENAMES=/nonexistent to run";
  EXPECT_TRUE(rt::DeviceRegistry::global().has("vulkan"));
  try {
    rt::DeviceRegistry::global().create("vulkan");
    FAIL() << "the vulkan device was created without a driver";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), NURI_ERROR_UNSUPPORTED);
    EXPECT_THAT(e.what(), HasSubstr("vulkan unavailable"));
    EXPECT_THAT(e.what(), HasSubstr("driver"));
  }
}

}  // namespace
}  // namespace nuri::vulkan
