// Exported f32 decode steps (torch -> ONNX, scripts/generate_onnx_models.py) on `pim` with cpu
// fallback: the GEMVs and same-size Add/Mul run on the f16 units (f32=1), the rest on cpu, and
// the outputs stay within f16-level tolerance of torch's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/frontend/onnx/onnx_model.h"
#include "runtime/session.h"
#include "tests/compiler/frontend/onnx_cases.h"

namespace nuri {
namespace {

class PimOnnxDecode : public ::testing::TestWithParam<std::string> {};

TEST_P(PimOnnxDecode, GemvsOnPimOutputsWithinF16ToleranceOfTorch) {
  const testing::OnnxCase c = testing::load_case(GetParam());
  testing::SpecializedCase sc = testing::specialize_case(c, true);
  const ir::Graph& g = sc.graph;
  const std::vector<Tensor>& inputs = sc.inputs;
  rt::SessionOptions o;
  o.devices = {"pim", "cpu"};
  o.fallback_device = "cpu";
  o.device_options["cpu"] = "threads=1";
  rt::Session s(g, o);
  int on_pim = 0, matmuls_on_pim = 0;  // MatMul, or Gemm (MatMul + bias fused at import)
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (s.devices().at(size_t(s.plan().target_of_node.at(i)))->name() != "pim") continue;
    ++on_pim;
    matmuls_on_pim += g.nodes()[i].op == ir::OpKind::MatMul || g.nodes()[i].op == ir::OpKind::Gemm;
  }
  EXPECT_GE(matmuls_on_pim, 4) << s.placement_report();
  const std::vector<Tensor> got = s.run(inputs);
  ASSERT_EQ(got.size(), c.outputs.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const Tensor& want = c.outputs[k].second;
    ASSERT_EQ(got[k].shape(), want.shape()) << c.outputs[k].first;
    // The conformance rule for a device computing f32 in f16: |err| <= 4e-3 (|want| + max|want|)
    // (the max term: a dot product's rounding scales with its large terms, not its result).
    double scale = 1, worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
      scale = std::max(scale, double(std::fabs(want.data_as<float>()[i])));
    for (int64_t i = 0; i < want.numel(); ++i) {
      const double w = want.data_as<float>()[i], e = std::fabs(got[k].data_as<float>()[i] - w);
      worst = std::max(worst, e);
      ASSERT_LE(e, 4e-3 * (std::fabs(w) + scale)) << c.outputs[k].first << " element " << i;
    }
    RecordProperty(c.outputs[k].first + "_max_abs_err", std::to_string(worst));
  }
  RecordProperty("nodes_on_pim", on_pim);
}

INSTANTIATE_TEST_SUITE_P(Decode, PimOnnxDecode, ::testing::Values("llama_decode", "gpt2_decode"));

}  // namespace
}  // namespace nuri
