// Sessions across devices: placement by capability, fallback, strict mode, transfers, and
// faults in a plugin's compile or execute.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/ir/builder.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/seeded_random.h"
#include "runtime/session.h"
#include "tests/runtime/plugin_paths.h"

namespace nuri::rt {
namespace {

using ir::OpKind;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// y = softmax(relu(x @ w) + x @ w * 0.5): MatMul and Softmax only on ref, the rest on acme too.
ir::Graph mixed_graph() {
  ir::GraphBuilder b("mixed");
  ir::SeededRandom rng(5);
  Tensor w(DType::F32, {8, 8});
  for (int64_t i = 0; i < w.numel(); ++i) w.data_as<float>()[i] = static_cast<float>(rng.normal());
  const auto x = b.input("x", DType::F32, {4, 8});
  const auto h = b.matmul(x, b.constant("w", std::move(w)));
  const auto r = b.add1(OpKind::Relu, {h}, {}, "relu");
  const auto half = b.mul(
      h, b.constant("half", Tensor::from<float>(
                                DType::F32, {4, 8},
                                {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                                 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                                 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f})));
  b.output(b.add1(OpKind::Softmax, {b.add_(r, half)}, {}, "softmax"));
  return b.build();
}

Tensor input() {
  Tensor x(DType::F32, {4, 8});
  ir::SeededRandom rng(9);
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(rng.normal());
  return x;
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_builtin_devices(reg_);
    reg_.load_plugin(plugin_path("nuri_acme"));
  }
  DeviceRegistry reg_;
};

TEST_F(SessionTest, PluginRunsWhatItSupportsAndRefTheRest) {
  SessionOptions ref_only;
  ref_only.devices = {"ref"};
  Session reference(mixed_graph(), ref_only, reg_);
  const Tensor want = reference.run({input()})[0];

  SessionOptions opts;
  opts.devices = {"acme"};
  opts.fallback_device = "ref";
  Session s(mixed_graph(), opts, reg_);
  const Tensor got = s.run({input()})[0];
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i], 1e-6);
  // MatMul on ref, relu/mul/add on acme, softmax on ref: three partitions, and h crosses twice.
  EXPECT_EQ(s.plan().partitions.size(), 3u);
  EXPECT_EQ(s.devices_used(), (std::vector<std::string>{"ref", "acme"}));
  EXPECT_EQ(s.plan().transfers, 2);  // h -> acme, sum -> ref
  EXPECT_EQ(s.transferred_bytes_last_run(), 2u * 4 * 8 * 4);
  const std::string report = s.placement_report();
  EXPECT_THAT(report, HasSubstr("relu"));
  // The device's own words for what it declines.
  EXPECT_THAT(report, HasSubstr("declined by acme: acme runs Add, Mul, Relu and Sigmoid only"));
  // Run many: new inputs, same compiled session.
  EXPECT_EQ(s.run({input()})[0].numel(), 32);
  EXPECT_EQ(s.last_stats()[1].stats.executions, 2u);
}

TEST_F(SessionTest, StrictModeFailsInsteadOfFallingBack) {
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.strict = true;
  EXPECT_THAT([&] { Session s(mixed_graph(), opts, reg_); },
              ThrowsMessage<Error>(
                  AllOf(HasSubstr("strict placement"), HasSubstr("'acme'"), HasSubstr("MatMul"))));
}

TEST_F(SessionTest, CompileFailureNamesPluginAndCallAndLeavesRuntimeUsable) {
  DeviceRegistry reg;
  register_builtin_devices(reg);
  reg.load_plugin(plugin_path("nuri_acme_compile_fails"));
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.fallback_device = "ref";
  EXPECT_THAT([&] { Session s(mixed_graph(), opts, reg); },
              ThrowsMessage<Error>(
                  AllOf(HasSubstr("device 'acme'"), HasSubstr("libnuri_acme_compile_fails.so"),
                        HasSubstr("compile of partition"), HasSubstr("compiler crashed"))));
  SessionOptions ref_only;
  ref_only.devices = {"ref"};
  Session fine(mixed_graph(), ref_only, reg);
  EXPECT_EQ(fine.run({input()})[0].numel(), 32);
}

TEST_F(SessionTest, ExecuteFailureIsAnErrorAndTheSessionStaysUsable) {
  DeviceRegistry reg;
  register_builtin_devices(reg);
  reg.load_plugin(plugin_path("nuri_acme_execute_fails"));
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.fallback_device = "ref";
  Session s(mixed_graph(), opts, reg);
  for (int i = 0; i < 2; ++i)
    EXPECT_THAT([&] { s.run({input()}); },
                ThrowsMessage<Error>(AllOf(HasSubstr("device 'acme'"), HasSubstr("execute failed"),
                                           HasSubstr("device hung"))));
}

TEST_F(SessionTest, TensorsLargerThanDeviceMemoryFailAtCompile) {
  ir::GraphBuilder b("big");
  b.output(b.add1(OpKind::Relu, {b.input("x", DType::F32, {20, 1024, 1024})}));  // 80 MiB
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.fallback_device = "ref";
  EXPECT_THAT(
      [&] { Session s(b.build(), opts, reg_); },
      ThrowsMessage<Error>(AllOf(HasSubstr("device 'acme'"), HasSubstr("out of device memory"))));
}

TEST_F(SessionTest, WrongInputsAreRejected) {
  SessionOptions opts;
  opts.devices = {"ref"};
  Session s(mixed_graph(), opts, reg_);
  EXPECT_THAT(
      [&] {
        s.run({Tensor(DType::F32, {8, 4})});
      },
      ThrowsMessage<Error>(HasSubstr("input 'x' must be f32[4, 8], got f32[8, 4]")));
}

// A graph built in code gets the fusions too: MatMul + bias becomes one Gemm, same numbers.
TEST_F(SessionTest, BuiltGraphsGetTheFusionPasses) {
  const auto build = [] {
    ir::GraphBuilder b("linear");
    ir::SeededRandom rng(3);
    Tensor w(DType::F32, {8, 8}), bias(DType::F32, {8});
    for (int64_t i = 0; i < w.numel(); ++i)
      w.data_as<float>()[i] = static_cast<float>(rng.normal());
    for (int64_t i = 0; i < bias.numel(); ++i)
      bias.data_as<float>()[i] = static_cast<float>(rng.normal());
    const auto x = b.input("x", DType::F32, {4, 8});
    const auto y =
        b.add_(b.matmul(x, b.constant("w", std::move(w))), b.constant("b", std::move(bias)));
    b.output(b.add1(OpKind::Relu, {y}, {}, "relu"));
    return b.build();
  };
  const auto count = [](const ir::Graph& g, OpKind op) {
    return std::count_if(g.nodes().begin(), g.nodes().end(),
                         [&](const ir::Node& n) { return n.op == op; });
  };
  SessionOptions fused, as_built;
  fused.devices = as_built.devices = {"ref"};
  as_built.fuse = false;
  Session f(build(), fused, reg_), a(build(), as_built, reg_);
  EXPECT_EQ(count(f.graph(), OpKind::Gemm), 1);
  EXPECT_EQ(count(f.graph(), OpKind::MatMul) + count(f.graph(), OpKind::Add), 0);
  EXPECT_EQ(count(a.graph(), OpKind::MatMul), 1);
  const Tensor got = f.run({input()})[0], want = a.run({input()})[0];
  // Same products and sums in f32; only the order of the bias add may differ.
  for (int64_t i = 0; i < got.numel(); ++i)
    EXPECT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i],
                1e-5 * (1 + std::abs(want.data_as<float>()[i])));
}

}  // namespace
}  // namespace nuri::rt
