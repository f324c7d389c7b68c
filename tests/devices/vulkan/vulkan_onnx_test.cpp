// The exported ONNX models (tests/data/onnx, torch references) on the vulkan device, fused as
// `nuri run` compiles them. Ops the device does not claim fall back to the cpu device; the
// transformer ops (MatMul, Attention, LayerNorm/RMSNorm, Gelu, Softmax, ...) must all run on
// the device.
#include <gtest/gtest.h>

#include "compiler/abi/graph_desc.h"
#include "compiler/frontend/onnx/onnx_model.h"
#include "runtime/session.h"
#include "tests/compiler/frontend/onnx_cases.h"
#include "tests/devices/vulkan/vulkan_test_util.h"

namespace nuri::vulkan {
namespace {

using ir::OpKind;

// Same rule as the frontend's torch comparison, loosened 5x for summation order in the
// tiled GEMM and the shaders' exp/erf: |got - want| <= 1e-4 + 5e-4 |want|.
constexpr double kAtol = 1e-4, kRtol = 5e-4;

class VulkanOnnx : public ::testing::TestWithParam<std::string> {};

TEST_P(VulkanOnnx, MatchesTorch) {
  std::string why;
  auto dev = testing::vulkan_or_reason(why);
  if (!dev) GTEST_SKIP() << "no Vulkan device on this machine: " << why;
  const nuri::testing::OnnxCase c = nuri::testing::load_case(GetParam());
  nuri::testing::SpecializedCase sc = nuri::testing::specialize_case(c, true);
  const ir::Graph& g = sc.graph;
  const std::vector<Tensor>& inputs = sc.inputs;
  // The transformer ops are claimed.
  const ir::GraphDesc desc(g);
  for (ir::NodeId id = 0; id < static_cast<ir::NodeId>(g.nodes().size()); ++id) {
    const ir::Node& n = g.node(id);
    if (n.op == OpKind::MatMul || n.op == OpKind::Attention || n.op == OpKind::LayerNorm ||
        n.op == OpKind::RMSNorm || n.op == OpKind::Gelu || n.op == OpKind::Softmax) {
      EXPECT_TRUE(dev->supports(desc.get(), desc.desc_index(id)))
          << GetParam() << ": node '" << n.name << "' (" << ir::op_name(n.op) << ")";
    }
  }
  rt::SessionOptions o;
  o.devices = {"vulkan"};
  rt::Session s(g, o);
  const auto outs = s.run(inputs);
  size_t on_vulkan = 0;
  for (const auto& p : s.last_stats())
    if (p.device == "vulkan") on_vulkan += p.nodes;
  EXPECT_GT(on_vulkan, 0u) << GetParam();
  ASSERT_EQ(outs.size(), c.outputs.size());
  for (size_t i = 0; i < outs.size(); ++i)
    nuri::testing::expect_close(outs[i], c.outputs[i].second, kAtol, kRtol,
                                GetParam() + " " + c.outputs[i].first);
}

INSTANTIATE_TEST_SUITE_P(Models, VulkanOnnx,
                         ::testing::Values("gpt2_prefill", "gpt2_decode", "gpt2_opset17_chunk",
                                           "bert_padded", "llama_prefill", "llama_decode",
                                           "mlp_external"));

}  // namespace
}  // namespace nuri::vulkan
