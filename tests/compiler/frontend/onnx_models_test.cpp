// Real models exported by torch.onnx.export (scripts/generate_onnx_models.py) run on the
// reference executor and match torch's outputs, with and without fusion.
#include <gtest/gtest.h>

#include "compiler/frontend/onnx/onnx_model.h"
#include "devices/ref/ref_program.h"
#include "tests/compiler/frontend/onnx_cases.h"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri {
namespace {

using ir::OpKind;
using testing::count_op;
using testing::load_case;
using testing::onnx_data;
using testing::OnnxCase;

// f32 tolerance against torch (both compute in f32; differences are summation order and
// transcendental implementations): |got - want| <= 2e-5 + 1e-4 |want|.
constexpr double kAtol = 2e-5, kRtol = 1e-4;

ir::Graph run_case(const std::string& name, bool fuse) {
  const OnnxCase c = load_case(name);
  testing::SpecializedCase sc = testing::specialize_case(c, fuse);
  const ir::Graph& g = sc.graph;
  const std::vector<Tensor>& inputs = sc.inputs;
  ref::RefProgram prog(g);
  EXPECT_EQ(g.inputs().size(), inputs.size());
  const auto outs = prog.run(inputs);
  EXPECT_EQ(outs.size(), c.outputs.size());
  for (size_t i = 0; i < std::min(outs.size(), c.outputs.size()); ++i) {
    EXPECT_EQ(g.value(g.outputs()[i]).name, c.outputs[i].first);
    testing::expect_close(outs[i], c.outputs[i].second, kAtol, kRtol,
                          name + (fuse ? " fused " : " unfused ") + c.outputs[i].first);
  }
  return g;
}

class OnnxModelCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxModelCase, MatchesTorchUnfused) {
  run_case(GetParam(), false);
}
TEST_P(OnnxModelCase, MatchesTorchFused) {
  run_case(GetParam(), true);
}

INSTANTIATE_TEST_SUITE_P(Models, OnnxModelCase,
                         ::testing::Values("gpt2_prefill", "gpt2_decode", "gpt2_opset17_chunk",
                                           "bert_padded", "llama_prefill", "llama_decode",
                                           "qdq_mlp", "matmul_integer", "ops_opset18",
                                           "mlp_external"));

TEST(OnnxFusion, Gpt2HasFusedOps) {
  for (const char* name : {"gpt2_prefill", "gpt2_decode"}) {
    const ir::Graph g = run_case(name, true);
    EXPECT_EQ(count_op(g, OpKind::Attention), 2) << name;
    EXPECT_EQ(count_op(g, OpKind::Softmax), 0) << name;
    EXPECT_EQ(count_op(g, OpKind::LayerNorm), 5) << name;  // opset-14 decomposition fused
    EXPECT_EQ(count_op(g, OpKind::Gelu), 2) << name;       // tanh form
    EXPECT_EQ(count_op(g, OpKind::Tanh), 0) << name;
    EXPECT_EQ(count_op(g, OpKind::ReduceMean), 0) << name;
    for (const ir::Node& n : g.nodes()) {
      if (n.op == OpKind::Attention) {
        EXPECT_EQ(n.attrs.get_int("causal"), 1) << name;
      }
      if (n.op == OpKind::Gelu) {
        EXPECT_EQ(n.attrs.get_string("approximate"), "tanh");
      }
    }
  }
}

TEST(OnnxFusion, BertHasFusedOps) {
  const ir::Graph g = run_case("bert_padded", true);
  EXPECT_EQ(count_op(g, OpKind::Attention), 2);
  EXPECT_EQ(count_op(g, OpKind::LayerNorm), 5);
  EXPECT_EQ(count_op(g, OpKind::Gelu), 2);
  EXPECT_EQ(count_op(g, OpKind::Erf), 0);
  EXPECT_GE(count_op(g, OpKind::Gemm), 12);  // q, k, v, out, inter, out per layer
  for (const ir::Node& n : g.nodes())
    if (n.op == OpKind::Attention) {
      EXPECT_EQ(n.attrs.get_int("causal"), 0);
      EXPECT_EQ(n.inputs.size(), 4u);  // the padding mask stays a runtime input
    }
}

TEST(OnnxFusion, LlamaHasFusedOps) {
  for (const char* name : {"llama_prefill", "llama_decode"}) {
    const ir::Graph g = run_case(name, true);
    EXPECT_EQ(count_op(g, OpKind::RMSNorm), 5) << name;
    EXPECT_EQ(count_op(g, OpKind::RotaryEmbedding), 4) << name;
    EXPECT_EQ(count_op(g, OpKind::Attention), 2) << name;
    EXPECT_EQ(count_op(g, OpKind::Silu), 2) << name;
    EXPECT_EQ(count_op(g, OpKind::Expand), 0) << name;  // the GQA repeat is gone
    for (const ir::Node& n : g.nodes())
      if (n.op == OpKind::Attention) {
        EXPECT_EQ(n.attrs.get_int("causal"), 1) << name;
        EXPECT_EQ(g.value(n.inputs[1]).type.shape[1], 2) << name;  // 2 kv heads for 4 q heads
      }
  }
}

// The exports concatenate the cache with the new keys/values (torch.cat) before attention;
// fusion takes both Concats into Attention's past inputs and present outputs, at prefill
// (an empty cache) and at a decode step, and the present outputs still match torch.
TEST(OnnxFusion, KvCacheConcatsBecomeAttentionPastAndPresent) {
  for (const char* name : {"gpt2_prefill", "gpt2_decode", "llama_prefill", "llama_decode"}) {
    const ir::Graph g = run_case(name, true);
    int fused = 0;
    for (const ir::Node& n : g.nodes()) {
      if (n.op == OpKind::Concat) {
        EXPECT_NE(g.value(n.outputs[0]).type.shape.size(), 4u)
            << name << ": a cache Concat is left: " << n.name;
      }
      if (n.op != OpKind::Attention) continue;
      ASSERT_EQ(n.inputs.size(), 6u) << name;
      ASSERT_EQ(n.outputs.size(), 3u) << name;
      const Shape& past = g.value(n.inputs[4]).type.shape;
      const Shape& present = g.value(n.outputs[1]).type.shape;
      EXPECT_EQ(present[2], past[2] + g.value(n.inputs[1]).type.shape[2]) << name;
      ++fused;
    }
    EXPECT_EQ(fused, 2) << name;
  }
}

TEST(OnnxFusion, Gpt2Opset17UsesLayerNormalization) {
  const ir::Graph g = run_case("gpt2_opset17_chunk", true);
  EXPECT_EQ(count_op(g, OpKind::LayerNorm), 5);
  EXPECT_EQ(count_op(g, OpKind::Attention), 2);
}

TEST(OnnxFusion, QdqKeepsInt8Weights) {
  const ir::Graph g = run_case("qdq_mlp", true);
  EXPECT_EQ(count_op(g, OpKind::DequantizeLinear), 4);
  EXPECT_EQ(count_op(g, OpKind::QuantizeLinear), 2);  // weights' quantize folded away
  int int8_constants = 0;
  for (const ir::Value& v : g.values())
    if (v.kind == ir::ValueKind::Constant && v.type.dtype == DType::I8 && v.type.shape.size() == 2)
      ++int8_constants;
  EXPECT_EQ(int8_constants, 2);
}

TEST(OnnxSpecialize, OneModelManyShapes) {
  const auto model = onnx::OnnxModel::load(onnx_data("gpt2_opset14.onnx"));
  ASSERT_EQ(model.inputs().size(), 5u);
  EXPECT_EQ(model.inputs()[0].dims[1].param, "seq");
  EXPECT_EQ(model.opset(), 14);
  for (int64_t past : {0, 1, 9}) {
    onnx::InputShapes shapes{{"input_ids", {1, 3}}};
    for (size_t i = 1; i < 5; ++i) shapes[model.inputs()[i].name] = {1, 4, past, 8};
    const ir::Graph g = model.specialize(shapes);
    EXPECT_EQ(g.value(g.outputs()[0]).type.shape, (Shape{1, 3, 96}));
    EXPECT_EQ(g.value(g.outputs()[1]).type.shape, (Shape{1, 4, past + 3, 8}));
  }
}

}  // namespace
}  // namespace nuri
