// IO binding on rt::Session: inputs and outputs bound once to caller memory or device buffers,
// run many times; bound outputs written in place with the numbers run() gives; mismatches
// refused with errors naming the value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "runtime/session.h"
#include "tests/runtime/plugin_paths.h"

namespace nuri::rt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Tensor seeded(Shape shape, uint64_t seed) {
  Tensor t(DType::F32, std::move(shape));
  ir::SeededRandom rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(rng.normal());
  return t;
}

// h = x @ w and y = relu(h), both outputs: acme declines MatMul (the fallback runs it) and
// takes Relu, so with acme the outputs come from two devices.
ir::Graph two_outputs() {
  ir::GraphBuilder b("bound");
  const auto x = b.input("x", DType::F32, {4, 8});
  const auto h = b.matmul(x, b.constant("w", seeded({8, 6}, 2)));
  b.output(h);
  b.output(b.add1(ir::OpKind::Relu, {h}, {}, "relu"));
  return b.build();
}

class IoBinding : public ::testing::Test {
 protected:
  void SetUp() override {
    register_builtin_devices(reg_);
    reg_.load_plugin(plugin_path("nuri_acme"));
  }
  Session session(std::vector<std::string> devices) {
    SessionOptions o;
    o.devices = std::move(devices);
    return Session(two_outputs(), o, reg_);
  }
  static void expect_equal(const Tensor& got, const Tensor& want) {
    ASSERT_EQ(got.numel(), want.numel());
    for (int64_t i = 0; i < want.numel(); ++i)
      EXPECT_EQ(got.data_as<float>()[i], want.data_as<float>()[i]) << "at " << i;
  }
  DeviceRegistry reg_;
};

TEST_F(IoBinding, BoundOutputsAreWrittenInPlaceRunAfterRun) {
  for (const auto& devices : {std::vector<std::string>{"cpu"}, {"acme"}}) {
    SCOPED_TRACE(devices[0]);
    Session s = session(devices);
    Tensor x = seeded({4, 8}, 1), h(DType::F32, {4, 6}), y(DType::F32, {4, 6});
    void* const h_at = h.data();
    void* const y_at = y.data();
    s.bind_input(0, {x.dtype(), x.shape(), x.data()});
    s.bind_output(0, {h.dtype(), h.shape(), h.data()});
    s.bind_output(1, {y.dtype(), y.shape(), y.data()});
    for (uint64_t seed : {1, 7}) {
      // New contents in the same memory: what a decode loop does between steps.
      const Tensor next = seeded({4, 8}, seed);
      std::copy(next.data_as<float>(), next.data_as<float>() + next.numel(), x.data_as<float>());
      s.run_bound();
      const std::vector<Tensor> want = s.run({x});
      EXPECT_EQ(h.data(), h_at);
      EXPECT_EQ(y.data(), y_at);
      expect_equal(h, want[0]);
      expect_equal(y, want[1]);
    }
    if (devices[0] == "cpu") {
      EXPECT_EQ(s.transferred_bytes_last_run(), 0u);
    }
  }
}

TEST_F(IoBinding, DeviceBuffersOfTheSessionsDevice) {
  Session s = session({"cpu"});
  Device& cpu = *s.devices()[0];
  const Tensor x = seeded({4, 8}, 3);
  auto xb = cpu.alloc(x.nbytes()), hb = cpu.alloc(4 * 6 * 4), yb = cpu.alloc(4 * 6 * 4);
  cpu.write(*xb, x.data(), x.nbytes());
  s.bind_input(0, *xb);
  s.bind_output(0, *hb);
  s.bind_output(1, *yb);
  s.run_bound();
  const std::vector<Tensor> want = s.run({x});
  Tensor h(DType::F32, {4, 6}), y(DType::F32, {4, 6});
  cpu.read(*hb, h.data(), h.nbytes());
  cpu.read(*yb, y.data(), y.nbytes());
  expect_equal(h, want[0]);
  expect_equal(y, want[1]);
}

TEST_F(IoBinding, MismatchesAreRefusedNamingTheValue) {
  Session s = session({"cpu"});
  Tensor x = seeded({4, 8}, 1), wrong = seeded({8, 4}, 1);
  Tensor ints(DType::I32, {4, 6});
  EXPECT_THAT(
      [&] {
        s.bind_input(0, {wrong.dtype(), wrong.shape(), wrong.data()});
      },
      ThrowsMessage<Error>(
          AllOf(HasSubstr("bind input 'x'"), HasSubstr("f32[4, 8]"), HasSubstr("f32[8, 4]"))));
  EXPECT_THAT(
      [&] {
        s.bind_output(1, {ints.dtype(), ints.shape(), ints.data()});
      },
      ThrowsMessage<Error>(AllOf(HasSubstr("bind output"), HasSubstr("i32[4, 6]"))));
  EXPECT_THAT(
      [&] {
        s.bind_input(1, {x.dtype(), x.shape(), x.data()});
      },
      ThrowsMessage<Error>(HasSubstr("has 1 inputs")));
  auto small = s.devices()[0]->alloc(16);
  EXPECT_THAT(
      [&] { s.bind_output(0, *small); },
      ThrowsMessage<Error>(AllOf(HasSubstr("device buffer of 16 bytes"), HasSubstr("needs 96"))));
  s.bind_input(0, {x.dtype(), x.shape(), x.data()});
  EXPECT_THAT([&] { s.run_bound(); }, ThrowsMessage<Error>(HasSubstr("is not bound")));
}

}  // namespace
}  // namespace nuri::rt
