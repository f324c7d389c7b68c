// Every pass keeps the graph's outputs (checked on the reference executor, f32 tolerance
// 1e-5 abs + 1e-5 rel) and produces the fused op it is meant to.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "compiler/ir/builder.h"
#include "compiler/passes/pass_manager.h"
#include "compiler/passes/passes.h"
#include "compiler/passes/pipeline.h"
#include "devices/ref/ref_program.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

Tensor random(Shape s, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor t(DType::F32, std::move(s));
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

Tensor scalar(float v) {
  return Tensor::from<float>(DType::F32, {}, {v});
}

int count_op(const Graph& g, OpKind op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

// Runs `pass`, checks it changed the graph, verifies, and compares outputs before/after.
Graph check_pass(Graph g, bool (*pass)(Graph&), const std::vector<Tensor>& inputs) {
  const auto before = ref::RefProgram(g).run(inputs);
  Graph fused = g;
  EXPECT_TRUE(pass(fused));
  const auto after = ref::RefProgram(fused).run(inputs);
  EXPECT_EQ(before.size(), after.size());
  for (size_t o = 0; o < before.size(); ++o) {
    EXPECT_EQ(before[o].shape(), after[o].shape());
    for (int64_t i = 0; i < before[o].numel(); ++i) {
      const float a = before[o].data_as<float>()[i], b = after[o].data_as<float>()[i];
      EXPECT_NEAR(a, b, 1e-5 + 1e-5 * std::fabs(a)) << "output " << o << " element " << i;
    }
    EXPECT_EQ(g.value(g.outputs()[o]).name, fused.value(fused.outputs()[o]).name);
  }
  return fused;
}

TEST(Passes, LayerNormDecomposition) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {2, 3, 8});
  const Attributes last{{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}};
  const ValueId mean = b.add1(OpKind::ReduceMean, {x}, last);
  const ValueId d = b.add1(OpKind::Sub, {x, mean});
  const ValueId var =
      b.add1(OpKind::ReduceMean, {b.add1(OpKind::Pow, {d, b.constant("two", scalar(2))})}, last);
  const ValueId sd =
      b.add1(OpKind::Sqrt, {b.add1(OpKind::Add, {var, b.constant("eps", scalar(1e-5f))})});
  const ValueId n = b.add1(OpKind::Div, {d, sd});
  const ValueId y =
      b.add_(b.mul(n, b.constant("gamma", random({8}, 1))), b.constant("beta", random({8}, 2)));
  b.output(y);
  const Graph g = check_pass(b.build(), fuse_layer_norm, {random({2, 3, 8}, 3, -3, 3)});
  EXPECT_EQ(count_op(g, OpKind::LayerNorm), 1);
  EXPECT_EQ(count_op(g, OpKind::ReduceMean), 0);
  EXPECT_EQ(g.nodes().size(), 1u);
}

TEST(Passes, RmsNormVariants) {
  for (int variant = 0; variant < 3; ++variant) {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::F32, {2, 8});
    const ValueId var =
        b.add1(OpKind::ReduceMean, {b.add1(OpKind::Pow, {x, b.constant("two", scalar(2))})},
               {{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{1}}});
    const ValueId sd = b.add1(OpKind::Sqrt, {b.add_(var, b.constant("eps", scalar(1e-6f)))});
    const ValueId n = variant == 0
                          ? b.mul(x, b.add1(OpKind::Div, {b.constant("one", scalar(1)), sd}))
                      : variant == 1 ? b.mul(b.add1(OpKind::Reciprocal, {sd}), x)
                                     : b.add1(OpKind::Div, {x, sd});
    b.output(b.mul(b.constant("w", random({8}, 4)), n));
    const Graph g = check_pass(b.build(), fuse_rms_norm, {random({2, 8}, 5)});
    EXPECT_EQ(count_op(g, OpKind::RMSNorm), 1) << variant;
    EXPECT_EQ(g.nodes().size(), 1u) << variant;
  }
}

TEST(Passes, GeluBothFormsAndSilu) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4, 16});
  // erf form: (x * (1 + erf(x / sqrt2))) * 0.5
  const ValueId e =
      b.add1(OpKind::Erf, {b.add1(OpKind::Div, {x, b.constant("sqrt2", scalar(1.4142135f))})});
  const ValueId g1 =
      b.mul(b.mul(x, b.add_(e, b.constant("one", scalar(1)))), b.constant("half", scalar(0.5f)));
  // tanh form: (0.5 * x) * (1 + tanh(c * (x + 0.044715 * x^3)))
  const ValueId cube = b.add1(OpKind::Pow, {x, b.constant("three", scalar(3))});
  const ValueId inner = b.add_(x, b.mul(b.constant("k", scalar(0.044715f)), cube));
  const ValueId t = b.add1(OpKind::Tanh, {b.mul(b.constant("c", scalar(0.7978845608f)), inner)});
  const ValueId g2 =
      b.mul(b.mul(b.constant("half2", scalar(0.5f)), x), b.add_(b.constant("one2", scalar(1)), t));
  const ValueId s = b.mul(x, b.add1(OpKind::Sigmoid, {x}));
  b.output(g1);
  b.output(g2);
  b.output(s);
  const Graph g = check_pass(b.build(), fuse_activations, {random({4, 16}, 6, -4, 4)});
  EXPECT_EQ(count_op(g, OpKind::Gelu), 2);
  EXPECT_EQ(count_op(g, OpKind::Silu), 1);
  EXPECT_EQ(g.nodes().size(), 3u);
}

// q [1,4,5,8]; k/v [1,kvh,5,8] repeated to 4 heads when kvh < 4; causal bool constant mask
// [1, mask_heads, 5, 5], where head `leaky_head` (if any) also lets query 0 see key 1.
Graph attention_graph(int64_t kvh, bool runtime_mask, int64_t mask_heads = 1,
                      int64_t leaky_head = -1) {
  GraphBuilder b;
  const ValueId q = b.input("q", DType::F32, {1, 4, 5, 8});
  ValueId k = b.input("k", DType::F32, {1, kvh, 5, 8});
  ValueId v = b.input("v", DType::F32, {1, kvh, 5, 8});
  auto repeat = [&](ValueId t) {
    if (kvh == 4) return t;
    const ValueId u = b.add1(OpKind::Unsqueeze, {t}, {{"axes", std::vector<int64_t>{2}}});
    const ValueId e =
        b.add1(OpKind::Expand, {u}, {{"shape", std::vector<int64_t>{1, kvh, 4 / kvh, 5, 8}}});
    return b.reshape(e, {1, 4, 5, 8});
  };
  const ValueId kt = b.transpose(repeat(k), {0, 1, 3, 2});
  ValueId s = b.add1(OpKind::Div, {b.matmul(q, kt), b.constant("sqrt_d", scalar(std::sqrt(8.0f)))});
  if (runtime_mask) {
    s = b.add_(s, b.input("mask", DType::F32, {1, 1, 1, 5}));
  } else {
    Tensor causal(DType::Bool, {1, mask_heads, 5, 5});
    for (int64_t h = 0; h < mask_heads; ++h)
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j)
          causal.data_as<uint8_t>()[(h * 5 + i) * 5 + j] = j <= i || (h == leaky_head && i == 0);
    s = b.add1(OpKind::Where,
               {b.constant("causal", causal), s, b.constant("fill", scalar(-3.4028235e38f))});
  }
  const ValueId p = b.add1(OpKind::Softmax, {s}, {{"axis", int64_t{-1}}});
  b.output(b.matmul(p, repeat(v)));
  return b.build();
}

TEST(Passes, AttentionCausalMha) {
  const Graph g =
      check_pass(attention_graph(4, false), fuse_attention,
                 {random({1, 4, 5, 8}, 7), random({1, 4, 5, 8}, 8), random({1, 4, 5, 8}, 9)});
  ASSERT_EQ(count_op(g, OpKind::Attention), 1);
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].attrs.get_int("causal"), 1);
  EXPECT_NEAR(g.nodes()[0].attrs.get_float("scale"), 1 / std::sqrt(8.0), 1e-7);
}

// A mask with entries per head is causal only if every head's is: one head off the pattern
// keeps the mask (the fused op's outputs stay the graph's).
TEST(Passes, AttentionPerHeadMaskIsCausalOnlyInEveryHead) {
  const std::vector<Tensor> in{random({1, 4, 5, 8}, 7), random({1, 4, 5, 8}, 8),
                               random({1, 4, 5, 8}, 9)};
  const Graph causal = check_pass(attention_graph(4, false, 4), fuse_attention, in);
  ASSERT_EQ(count_op(causal, OpKind::Attention), 1);
  EXPECT_EQ(causal.nodes().back().attrs.get_int("causal"), 1);
  const Graph leaky = check_pass(attention_graph(4, false, 4, 3), fuse_attention, in);
  ASSERT_EQ(count_op(leaky, OpKind::Attention), 1);
  EXPECT_EQ(leaky.nodes().back().attrs.get_int("causal"), 0);
}

TEST(Passes, AttentionGqaWithPaddingMask) {
  Tensor mask =
      Tensor::from<float>(DType::F32, {1, 1, 1, 5}, {0, 0, 0, -3.4028235e38f, -3.4028235e38f});
  const Graph g =
      check_pass(attention_graph(2, true), fuse_attention,
                 {random({1, 4, 5, 8}, 7), random({1, 2, 5, 8}, 8), random({1, 2, 5, 8}, 9), mask});
  ASSERT_EQ(count_op(g, OpKind::Attention), 1);
  EXPECT_EQ(count_op(g, OpKind::Expand), 0);
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0].inputs.size(), 4u);
}

TEST(Passes, RotaryWithConstantTables) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {1, 2, 3, 8});
  Tensor cos(DType::F32, {1, 1, 3, 8}), sin(DType::F32, {1, 1, 3, 8});
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < 8; ++i) {
      const double f = s * std::pow(10000.0, -2.0 * (i % 4) / 8);
      cos.data_as<float>()[s * 8 + i] = static_cast<float>(std::cos(f));
      sin.data_as<float>()[s * 8 + i] = static_cast<float>(std::sin(f));
    }
  const Attributes lo{{"starts", std::vector<int64_t>{0}},
                      {"ends", std::vector<int64_t>{4}},
                      {"axes", std::vector<int64_t>{-1}}};
  const Attributes hi{{"starts", std::vector<int64_t>{4}},
                      {"ends", std::vector<int64_t>{INT64_MAX}},
                      {"axes", std::vector<int64_t>{3}}};
  const ValueId x1 = b.add1(OpKind::Slice, {x}, lo), x2 = b.add1(OpKind::Slice, {x}, hi);
  const ValueId rot =
      b.add1(OpKind::Concat, {b.add1(OpKind::Neg, {x2}), x1}, {{"axis", int64_t{-1}}});
  b.output(b.add_(b.mul(x, b.constant("cos", cos)), b.mul(rot, b.constant("sin", sin))));
  const Graph g = check_pass(b.build(), fuse_rotary, {random({1, 2, 3, 8}, 10)});
  EXPECT_EQ(count_op(g, OpKind::RotaryEmbedding), 1);
  EXPECT_EQ(g.nodes().size(), 1u);
}

TEST(Passes, MatMulBiasBecomesGemm) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {2, 3, 8});
  b.output(
      b.add_(b.matmul(x, b.constant("w", random({8, 5}, 11))), b.constant("b", random({5}, 12))));
  const Graph g = check_pass(b.build(), fuse_matmul_bias, {random({2, 3, 8}, 13)});
  EXPECT_EQ(count_op(g, OpKind::Gemm), 1);
  EXPECT_EQ(count_op(g, OpKind::MatMul), 0);
  EXPECT_EQ(count_op(g, OpKind::Add), 0);
}

TEST(Passes, ConstantFoldingAndDeadCode) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4});
  const ValueId c = b.add1(OpKind::Exp, {b.constant("c", random({4}, 14))});
  b.add1(OpKind::Neg, {x});  // dead
  b.output(b.add_(x, c));
  Graph g = b.build();
  const Graph folded = check_pass(g, fold_constants, {random({4}, 15)});
  EXPECT_EQ(count_op(folded, OpKind::Exp), 0);
  EXPECT_EQ(count_op(folded, OpKind::Neg), 0);
  EXPECT_EQ(folded.nodes().size(), 1u);
  EXPECT_FALSE(remove_dead_code(g = folded));
}

TEST(Passes, ManagerVerifiesAndNamesThePass) {
  Graph g = attention_graph(4, false);
  PassManager pm;
  pm.add("breaks_graph", [](Graph& gr) {
    gr.mutable_nodes()[0].attrs.set("perm", std::vector<int64_t>{0, 1, 2, 3});
    return true;
  });
  try {
    pm.run(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pass 'breaks_graph'"), std::string::npos) << e.what();
  }
  Graph h = attention_graph(2, true);
  const auto results = fusion_pipeline().run(h);
  EXPECT_EQ(results.size(), fusion_pipeline().names().size());
  EXPECT_EQ(count_op(h, OpKind::Attention), 1);
}

}  // namespace
}  // namespace nuri::ir
