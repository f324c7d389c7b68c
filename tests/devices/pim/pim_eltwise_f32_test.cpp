// The `pim` device's elementwise steps (same-size Add/Mul in the banks) and its f32 policy (f32
// nodes on the f16/bf16 units): numerics against ref, bus accounting, capability by option.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "compiler/ir/builder.h"
#include "devices/pim/pim_device.h"
#include "devices/pim/pim_program.h"
#include "kernels/cpu/half.h"
#include "runtime/session.h"
#include "tests/devices/pim/pim_test_util.h"

namespace nuri::pim {
namespace {

using ir::OpKind;

class PimEltwiseDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override { rt::register_builtin_devices(reg_); }
  rt::SessionOptions opts(const std::string& device, const std::string& options = "") {
    rt::SessionOptions o;
    o.devices = {device};
    o.fallback_device = "ref";
    o.fuse = false;  // the device is tested on each graph as built (MatMul and Add apart)
    if (!options.empty()) o.device_options[device] = options;
    return o;
  }
  rt::DeviceRegistry reg_;
};

constexpr int64_t kN = 10000;  // not a multiple of 16 lanes x 128 units

// out = (x + c) * y: c a constant, x and y inputs, all f16, same size.
ir::Graph chain() {
  ir::GraphBuilder b("eltwise_chain");
  const auto x = b.input("x", DType::F16, {1, kN});
  const auto y = b.input("y", DType::F16, {kN});
  const auto c = b.constant("c", random_tensor(DType::F16, {1, kN}, 1, 4.0));
  const auto s = b.add1(OpKind::Add, {x, c}, {}, "add");
  b.output(b.add1(OpKind::Mul, {s, y}, {}, "mul"));
  return b.build();
}

TEST_F(PimEltwiseDeviceTest, ChainIsBitExactWithRefAndChargesOnlyTheBusMovesItNeeds) {
  const ir::Graph g = chain();
  const std::vector<Tensor> in = {random_tensor(DType::F16, {1, kN}, 2, 4.0),
                                  random_tensor(DType::F16, {kN}, 3, 2.0)};
  rt::Session pim(g, opts("pim"), reg_), ref(g, opts("ref"), reg_);
  const Tensor got = pim.run(in)[0], want = ref.run(in)[0];
  // One f16 rounding of an exact f32 sum/product on both sides: identical bits.
  ASSERT_EQ(got.nbytes(), want.nbytes());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.nbytes()), 0);

  PimProgram p(g, parse_pim_options("config=HBM-PIM"));
  const nlohmann::json r = p.report();
  ASSERT_EQ(r.at("steps").size(), 2u);
  const auto& add = r.at("steps")[0].at("eltwise");
  const auto& mul = r.at("steps")[1].at("eltwise");
  // add: x comes from the host (c is resident); its result feeds only mul, so it stays in PIM.
  EXPECT_EQ(add.at("operands_written_in").at("bytes"), kN * 2);
  EXPECT_EQ(add.at("result_read_out").at("bytes"), 0);
  // mul: y comes from the host, the sum is resident; the product is the partition's output.
  EXPECT_EQ(mul.at("operands_written_in").at("bytes"), kN * 2);
  EXPECT_EQ(mul.at("result_read_out").at("bytes"), kN * 2);
  EXPECT_EQ(add.at("pim").at("commands").at("bank_writes"),
            add.at("pim").at("commands").at("mac").get<uint64_t>() / 2);
  EXPECT_GT(add.at("pim").at("speedup").get<double>(), 0.0);
  // The kernel never beats the banks' internal bandwidth (a, b read and c written, f16).
  const double internal = parse_pim_options("").config.internal_bytes_per_ns();
  EXPECT_GE(add.at("pim").at("ns").get<double>(), 3.0 * kN * 2 / internal);
}

TEST_F(PimEltwiseDeviceTest, ElementwiseIsDeclinedWhereItCannotRun) {
  const ir::Graph g = chain();
  const std::vector<Tensor> in = {random_tensor(DType::F16, {1, kN}, 2, 4.0),
                                  random_tensor(DType::F16, {kN}, 3, 2.0)};
  // AiM has no elementwise kernel and computes in bf16: both steps fall back to ref.
  rt::Session aim(g, opts("pim", "config=AiM"), reg_);
  for (const ir::Node& node : g.nodes()) EXPECT_EQ(device_of(aim, node.name), "ref") << node.name;
  EXPECT_THAT([&] { PimProgram p(g, parse_pim_options("config=AiM")); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("no elementwise kernel")));
}

// y = (x @ W + b) with f32 values: on the f16 units when f32=1, on ref when f32=0.
TEST_F(PimEltwiseDeviceTest, F32GraphRunsOnTheF16UnitsWithinTheF16Bound) {
  const int64_t k = 1024, n = 512;
  ir::GraphBuilder b("f32_decode");
  const auto x = b.input("x", DType::F32, {1, k});
  const double ws = 1.0 / std::sqrt(double(k));
  const auto h = b.add1(OpKind::MatMul,
                        {x, b.constant("w", random_tensor(DType::F32, {k, n}, 5, ws))}, {}, "fc");
  b.output(b.add1(OpKind::Add, {h, b.constant("b", random_tensor(DType::F32, {n}, 6, 0.5))}, {},
                  "bias"));
  const ir::Graph g = b.build();
  const std::vector<Tensor> in = {random_tensor(DType::F32, {1, k}, 7, 1.0)};

  rt::Session pim(g, opts("pim"), reg_), ref(g, opts("ref"), reg_);
  for (const ir::Node& node : g.nodes()) EXPECT_EQ(device_of(pim, node.name), "pim") << node.name;
  const Tensor got = pim.run(in)[0], want = ref.run(in)[0];
  ASSERT_EQ(got.dtype(), DType::F32);
  // f16 inputs (x, w rounded: 2 u16 relative per product), 16 lanes accumulating 64 products
  // each in f16 ((64 + 1) u16), f16 readout (u16), bias add rounded to f16 (u16 |y|):
  // |err| <= (2 + 66) u16 sum|w x| + 2 u16 |y|. |w| <= 1/32, |x| <= 1: sum|w x| <= 32.
  const double u16 = std::ldexp(1.0, -11);
  double max_err = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double w = want.data_as<float>()[i], e = std::abs(got.data_as<float>()[i] - w);
    max_err = std::max(max_err, e);
    EXPECT_LE(e, 68 * u16 * 32 + 2 * u16 * std::abs(w)) << i;
  }
  EXPECT_GT(max_err, 0.0);  // computed in f16, not passed through in f32
  RecordProperty("f32_on_f16_max_abs_err", std::to_string(max_err));

  rt::Session off(g, opts("pim", "f32=0"), reg_);
  for (const ir::Node& node : g.nodes()) EXPECT_EQ(device_of(off, node.name), "ref") << node.name;
}

}  // namespace
}  // namespace nuri::pim
