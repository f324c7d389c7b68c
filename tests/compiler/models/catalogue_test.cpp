// The built-in model catalogue: size flags override every family's published dims, and sizes
// that make no sense are refused naming the flag. Shape-only weights keep the graphs cheap.
#include "compiler/models/catalogue.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace nuri::ir {
namespace {

int count_op(const Graph& g, OpKind op) {
  return static_cast<int>(
      std::count_if(g.nodes().begin(), g.nodes().end(), [&](const Node& n) { return n.op == op; }));
}

const Shape& output_shape(const Graph& g) {
  return g.value(g.outputs()[0]).type.shape;
}

std::string error_of(const std::string& name, const ModelSizes& sizes) {
  try {
    build_builtin_model(name, sizes, 1, false);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Catalogue, PublishedDimsWithoutOverrides) {
  const BuiltinModel g = build_builtin_model("gpt2-small", {}, 1, false);
  EXPECT_EQ(output_shape(g.graph), (Shape{1, 128, 50257}));
  EXPECT_EQ(g.layers, 12);
  EXPECT_EQ(count_op(g.graph, OpKind::Attention), 12);
  const BuiltinModel l = build_builtin_model("llama2-7b", {.seq = 4}, 1, false);
  EXPECT_EQ(output_shape(l.graph), (Shape{1, 4, 32000}));
  EXPECT_EQ(count_op(l.graph, OpKind::Attention), 32);
  const BuiltinModel demo = build_builtin_model("demo", {}, 1, false);
  EXPECT_EQ(output_shape(demo.graph), (Shape{1, 32, 512}));
}

TEST(Catalogue, Gpt2SmallHonoursEverySizeFlag) {
  const ModelSizes s{.layers = 1, .d_model = 64, .heads = 4, .vocab = 100, .seq = 16};
  const BuiltinModel m = build_builtin_model("gpt2-small", s, 1, false);
  EXPECT_EQ(output_shape(m.graph), (Shape{1, 16, 100}));
  EXPECT_EQ(count_op(m.graph, OpKind::Attention), 1);
  // Hand count: wte V*d, wpe 1024*d (GPT-2's positions), the position ids (seq), per layer
  // 12 d^2 + 13 d (qkv, proj, two MLP matmuls, their biases, two LayerNorms), final LayerNorm.
  const int64_t d = 64;
  EXPECT_EQ(m.graph.parameter_count(), 100 * d + 1024 * d + 16 + (12 * d * d + 13 * d) + 2 * d);
  EXPECT_EQ(m.ids.shape(), (Shape{1, 16}));
  for (int64_t i = 0; i < 16; ++i) EXPECT_LT(m.ids.data_as<int64_t>()[i], 100);
}

TEST(Catalogue, BertAndLlamaHonourEverySizeFlag) {
  const ModelSizes s{.layers = 2, .d_model = 64, .heads = 4, .vocab = 100, .seq = 8};
  const BuiltinModel b = build_builtin_model("bert-base", s, 1, false);
  EXPECT_EQ(output_shape(b.graph), (Shape{1, 8, 64}));  // hidden states
  EXPECT_EQ(count_op(b.graph, OpKind::LayerNorm), 1 + 2 * 2);
  EXPECT_FALSE(b.has_logits);
  const BuiltinModel l = build_builtin_model("llama2-7b", s, 1, false);
  EXPECT_EQ(output_shape(l.graph), (Shape{1, 8, 100}));
  EXPECT_EQ(count_op(l.graph, OpKind::RMSNorm), 2 * 2 + 1);
  EXPECT_EQ(count_op(l.graph, OpKind::Attention), 2);
}

TEST(Catalogue, SizesThatMakeNoSenseAreRefusedNamingTheFlag) {
  EXPECT_NE(error_of("gpt2-small", {.layers = 0}).find("--layers 0"), std::string::npos);
  EXPECT_NE(error_of("bert-base", {.seq = -4}).find("--seq -4"), std::string::npos);
  const std::string heads = error_of("llama2-7b", {.d_model = 64, .heads = 5});
  EXPECT_NE(heads.find("--heads 5 does not divide --d-model 64"), std::string::npos) << heads;
  const std::string odd = error_of("llama2-7b", {.d_model = 60, .heads = 4});
  EXPECT_NE(odd.find("even head size"), std::string::npos) << odd;
  const std::string vocab = error_of("demo", {.vocab = int64_t{1} << 40});
  EXPECT_NE(vocab.find("--vocab"), std::string::npos) << vocab;
  const std::string name = error_of("gpt3", {});
  EXPECT_NE(name.find("unknown built-in model 'gpt3' (demo, gpt2-small, bert-base, llama2-7b)"),
            std::string::npos)
      << name;
}

}  // namespace
}  // namespace nuri::ir
