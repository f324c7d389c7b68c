// 8-bit quantized ONNX models (scripts/generate_quantized_models.py) on the reference executor
// and the cpu engine against their references: torch's own int8 model for the torch export,
// numpy's ONNX reference for QLinearMatMul / MatMulInteger.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "compiler/frontend/onnx/onnx_model.h"
#include "devices/cpu/cpu_program.h"
#include "devices/ref/ref_program.h"
#include "tests/compiler/frontend/onnx_cases.h"

namespace nuri {
namespace {

using ir::OpKind;
using testing::load_case;
using testing::onnx_data;
using testing::OnnxCase;

struct Loaded {
  ir::Graph graph;
  std::vector<Tensor> inputs;
  OnnxCase c;
};

Loaded load(const std::string& name) {
  OnnxCase c = load_case(name);
  testing::SpecializedCase sc = testing::specialize_case(c);
  return {std::move(sc.graph), std::move(sc.inputs), std::move(c)};
}

using Runner = std::function<std::vector<Tensor>(const ir::Graph&, const std::vector<Tensor>&)>;

std::vector<std::pair<std::string, Runner>> runners() {
  return {{"ref", [](const ir::Graph& g,
                     const std::vector<Tensor>& in) { return ref::RefProgram(g).run(in); }},
          {"cpu", [](const ir::Graph& g, const std::vector<Tensor>& in) {
             return cpu::CpuProgram(g, {.threads = 1}).run(in);
           }}};
}

// Value of element i as a double (f32, uint8, int8 or int32 outputs).
double at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::F32:
      return t.data_as<float>()[i];
    case DType::U8:
      return t.data_as<uint8_t>()[i];
    case DType::I8:
      return t.data_as<int8_t>()[i];
    case DType::I32:
      return t.data_as<int32_t>()[i];
    default:
      ADD_FAILURE() << "unexpected dtype " << dtype_name(t.dtype());
      return 0;
  }
}

// Largest |got - want| over all elements (shapes and dtypes must agree).
double max_abs_diff(const Tensor& got, const Tensor& want, const std::string& what) {
  EXPECT_EQ(got.shape(), want.shape()) << what;
  EXPECT_EQ(got.dtype(), want.dtype()) << what;
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i)
    worst = std::max(worst, std::fabs(at(got, i) - at(want, i)));
  return worst;
}

// The scale of the DequantizeLinear that produces the graph's output: its quantization step.
double output_step(const ir::Graph& g) {
  for (const ir::Node& n : g.nodes())
    if (n.op == OpKind::DequantizeLinear && n.outputs[0] == g.outputs()[0]) {
      const ir::Value& s = g.value(n.inputs[1]);
      if (s.data && s.data->numel() == 1) return *s.data->data_as<float>();
    }
  ADD_FAILURE() << "no per-tensor DequantizeLinear produces the output";
  return 0;
}

// torch's default eager int8 flow (uint8 activations with zero points, per-channel int8
// weights) exported as QDQ. ref dequantizes, computes in f32 and requantizes; cpu and torch
// accumulate the 8-bit products in int32 and scale once. All quantize each layer's output to
// the same grid, so they agree to within one quantization step of the output (a tie or a
// near-tie rounded the other way).
TEST(QuantizedModels, TorchInt8MlpWithinOneStepOfTorch) {
  const Loaded l = load("torch_int8_mlp");
  int u8_activations = 0;
  for (const ir::Value& v : l.graph.values()) u8_activations += v.type.dtype == DType::U8;
  EXPECT_GT(u8_activations, 0);  // the uint8 activations are kept, not widened away
  const double step = output_step(l.graph);
  ASSERT_GT(step, 0);
  // The cpu engine runs both QDQ Gemms on oneDNN's int8 matmul (u8 x s8, s32 accumulation).
  int int8_steps = 0;
  for (const std::string& line : cpu::CpuProgram(l.graph, {.threads = 1}).describe())
    int8_steps += line.rfind("int8-matmul", 0) == 0;
  EXPECT_EQ(int8_steps, 2);
  for (const auto& [device, run] : runners()) {
    const auto outs = run(l.graph, l.inputs);
    ASSERT_EQ(outs.size(), 1u) << device;
    const double diff = max_abs_diff(outs[0], l.c.outputs[0].second, device);
    // f32 slack: the step itself is an f32 product of a scale and an integer.
    EXPECT_LE(diff, step * (1 + 1e-5)) << device << ": step " << step;
    RecordProperty(device + "_max_diff_in_steps", std::to_string(diff / step));
  }
}

// QLinearMatMul u8 x s8 with per-column weight scales: the requantized uint8 result may differ
// from numpy's by one step where oneDNN evaluates scale * acc + zero point in another order.
TEST(QuantizedModels, QLinearMatMulU8S8MatchesOnnxReference) {
  const Loaded l = load("qlinear_matmul_u8s8");
  // Constant s8 weights with per-column scales: the cpu engine runs oneDNN's int8 matmul.
  bool on_onednn = false;
  for (const std::string& line : cpu::CpuProgram(l.graph, {.threads = 1}).describe())
    on_onednn = on_onednn || line.rfind("int8-matmul", 0) == 0;
  EXPECT_TRUE(on_onednn);
  for (const auto& [device, run] : runners()) {
    const auto outs = run(l.graph, l.inputs);
    ASSERT_EQ(outs.size(), 1u) << device;
    EXPECT_LE(max_abs_diff(outs[0], l.c.outputs[0].second, device), device == "ref" ? 0 : 1)
        << device;
  }
}

// MatMulInteger u8 x s8 with a per-row zero point on A (a runtime input) and a per-column one
// on B: int32 results are exact on every device.
TEST(QuantizedModels, MatMulIntegerU8S8PerRowAndColumnZeroPointsExact) {
  const Loaded l = load("matmul_integer_u8s8");
  for (const auto& [device, run] : runners()) {
    const auto outs = run(l.graph, l.inputs);
    ASSERT_EQ(outs.size(), 1u) << device;
    EXPECT_EQ(max_abs_diff(outs[0], l.c.outputs[0].second, device), 0) << device;
  }
}

}  // namespace
}  // namespace nuri
