// The reference executor: small graphs against hand values, f16/bf16 rounding, input checks,
// data-dependent faults, and the demo model end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/seeded_random.h"
#include "devices/ref/ref_program.h"
#include "kernels/cpu/half.h"
#include "nuri/error.hpp"
#include "tools/nuri/summary.h"

namespace nuri::ref {
namespace {

using ir::OpKind;
using ::testing::HasSubstr;

TEST(RefProgram, SmallGraphMatchesHandValues) {
  // y = softmax(x @ w + b) for x = [[1, 2]], w = [[1, 0], [0, 1]], b = [0, ln 3]
  ir::GraphBuilder g("tiny");
  const ir::ValueId x = g.input("x", DType::F32, {1, 2});
  const ir::ValueId w = g.constant("w", Tensor::from<float>(DType::F32, {2, 2}, {1, 0, 0, 1}));
  const ir::ValueId b =
      g.constant("b", Tensor::from<float>(DType::F32, {2}, {0, static_cast<float>(std::log(3.0))}));
  g.output(g.add1(OpKind::Softmax, {g.add_(g.matmul(x, w), b)}));
  RefProgram p(g.build());
  const auto out = p.run({Tensor::from<float>(DType::F32, {1, 2}, {1, 2})});
  // logits [1, 2 + ln 3] -> softmax = [1, 3e] / (1 + 3e)
  const double e = std::exp(1.0);
  EXPECT_NEAR(out[0].data_as<float>()[0], 1 / (1 + 3 * e), 1e-6);
  EXPECT_NEAR(out[0].data_as<float>()[1], 3 * e / (1 + 3 * e), 1e-6);
  // Run many: a new input gives the new answer.
  const auto out2 = p.run({Tensor::from<float>(DType::F32, {1, 2}, {0, 0})});
  EXPECT_NEAR(out2[0].data_as<float>()[0], 0.25, 1e-6);
}

TEST(RefProgram, HalfPrecisionOpsRoundTheirResults) {
  // 1 + 2^-11 is not an f16 value: f16 add rounds it to 1 (tie to even); bf16 likewise at 2^-8.
  for (DType dt : {DType::F16, DType::BF16}) {
    ir::GraphBuilder g("half");
    const ir::ValueId a = g.input("a", dt, {2});
    const ir::ValueId c = g.input("c", dt, {2});
    g.output(g.add_(a, c));
    RefProgram p(g.build());
    const float tiny = dt == DType::F16 ? std::ldexp(1.0f, -11) : std::ldexp(1.0f, -8);
    const auto enc = [dt](float v) {
      return dt == DType::F16 ? kernels::f32_to_f16(v) : kernels::f32_to_bf16(v);
    };
    const auto dec = [dt](uint16_t v) {
      return dt == DType::F16 ? kernels::f16_to_f32(v) : kernels::bf16_to_f32(v);
    };
    const auto out = p.run({Tensor::from<uint16_t>(dt, {2}, {enc(1.0f), enc(1.0f)}),
                            Tensor::from<uint16_t>(dt, {2}, {enc(tiny), enc(3 * tiny)})});
    EXPECT_EQ(dec(out[0].data_as<uint16_t>()[0]), 1.0f);             // tie -> even
    EXPECT_EQ(dec(out[0].data_as<uint16_t>()[1]), 1.0f + 4 * tiny);  // tie -> even (up)
  }
}

TEST(RefProgram, RejectsWrongInputs) {
  ir::GraphBuilder g("one");
  g.output(g.add1(OpKind::Relu, {g.input("x", DType::F32, {2, 2})}));
  RefProgram p(g.build());
  EXPECT_THAT([&] { p.run({}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("takes 1 inputs, got 0")));
  EXPECT_THAT(
      [&] { p.run({Tensor(DType::F32, {4})}); },
      ::testing::ThrowsMessage<Error>(HasSubstr("input 'x' must be f32[2, 2], got f32[4]")));
  EXPECT_THAT(
      [&] {
        p.run({Tensor(DType::I64, {2, 2})});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("got i64[2, 2]")));
}

TEST(RefProgram, DataDependentFaultsNameTheNode) {
  ir::GraphBuilder g("lookup");
  const ir::ValueId table = g.constant("table", Tensor(DType::F32, {4, 3}));
  g.output(g.add1(OpKind::Embedding, {table, g.input("ids", DType::I64, {2})}, {}, "embed"));
  RefProgram p(g.build());
  EXPECT_THAT(
      [&] {
        p.run({Tensor::from<int64_t>(DType::I64, {2}, {1, 4})});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("node 'embed' (Embedding): an index is outside")));
  ir::GraphBuilder d("div");
  d.output(
      d.add1(OpKind::Div, {d.input("a", DType::I32, {2}), d.input("b", DType::I32, {2})}, {}, "q"));
  RefProgram pd(d.build());
  EXPECT_THAT(
      [&] {
        pd.run({Tensor::from<int32_t>(DType::I32, {2}, {1, 2}),
                Tensor::from<int32_t>(DType::I32, {2}, {1, 0})});
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("node 'q' (Div): integer division by zero")));
}

TEST(RefProgram, WeightlessGraphIsRejected) {
  ir::Gpt2Config c;
  c.with_weights = false;
  EXPECT_THAT([&] { RefProgram p(ir::build_gpt2(c)); },
              ::testing::ThrowsMessage<Error>(HasSubstr("has no data")));
}

TEST(RefProgram, KvCacheDecodeEqualsFullPrefill) {
  // Attention over [past ++ new] with the present outputs equals one causal pass over all tokens.
  const int64_t h = 2, d = 4, t = 5;
  ir::SeededRandom rng(3);
  const auto rand = [&](Shape s) {
    Tensor x(DType::F32, std::move(s));
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data_as<float>()[i] = static_cast<float>(rng.normal());
    return x;
  };
  const Tensor q = rand({1, h, t, d}), k = rand({1, h, t, d}), v = rand({1, h, t, d});
  ir::GraphBuilder full("full");
  full.output(full.add1(
      OpKind::Attention,
      {full.input("q", DType::F32, {1, h, t, d}), full.input("k", DType::F32, {1, h, t, d}),
       full.input("v", DType::F32, {1, h, t, d})},
      {{"causal", int64_t{1}}}));
  const Tensor ref = RefProgram(full.build()).run({q, k, v})[0];

  ir::GraphBuilder step("decode");
  const auto outs = step.add(
      OpKind::Attention,
      {step.input("q", DType::F32, {1, h, 1, d}), step.input("k", DType::F32, {1, h, 1, d}),
       step.input("v", DType::F32, {1, h, 1, d}), ir::kNoValue,
       step.input("pk", DType::F32, {1, h, t - 1, d}),
       step.input("pv", DType::F32, {1, h, t - 1, d})},
      {{"causal", int64_t{1}}}, 3);
  for (auto o : outs) step.output(o);
  RefProgram dec(step.build());
  const auto slice_pos = [&](const Tensor& x, int64_t from, int64_t len) {
    Tensor out(DType::F32, {1, h, len, d});
    for (int64_t hh = 0; hh < h; ++hh)
      for (int64_t i = 0; i < len * d; ++i)
        out.data_as<float>()[(hh * len) * d + i] = x.data_as<float>()[(hh * t + from) * d + i];
    return out;
  };
  const auto got = dec.run({slice_pos(q, t - 1, 1), slice_pos(k, t - 1, 1), slice_pos(v, t - 1, 1),
                            slice_pos(k, 0, t - 1), slice_pos(v, 0, t - 1)});
  const Tensor want = slice_pos(ref, t - 1, 1);
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(got[0].data_as<float>()[i], want.data_as<float>()[i], 1e-5);
  for (int64_t i = 0; i < k.numel(); ++i)
    EXPECT_EQ(got[1].data_as<float>()[i], k.data_as<float>()[i]);
}

TEST(RefProgram, DemoModelIsDeterministicAndPlansMemory) {
  const ir::Gpt2Config c;  // the `nuri run` default: 2 layers, d 128, 4 heads, vocab 512, 32 tokens
  RefProgram a(ir::build_gpt2(c));
  RefProgram b(ir::build_gpt2(c));
  const Tensor ids = ir::gpt2_demo_ids(c);
  const Tensor la = a.run({ids})[0], la2 = a.run({ids})[0], lb = b.run({ids})[0];
  EXPECT_EQ(la.shape(), (Shape{1, 32, 512}));
  EXPECT_EQ(cli::checksum(la).fnv1a, cli::checksum(la2).fnv1a);
  EXPECT_EQ(cli::checksum(la).fnv1a, cli::checksum(lb).fnv1a);
  EXPECT_LT(a.peak_bytes(), a.unshared_bytes());
  // Logits are finite and not degenerate.
  const auto cs = cli::checksum(la);
  EXPECT_TRUE(std::isfinite(cs.sum));
  EXPECT_GT(cs.abs_sum, 1.0);
}

}  // namespace
}  // namespace nuri::ref
