// Shape and dtype inference: one or more cases for every op, plus the errors users hit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "compiler/ir/shape_inference.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

using ::testing::HasSubstr;

struct In {
  DType dtype;
  Shape shape;
  bool present = true;
};
In absent() {
  return {DType::F32, {}, false};
}

struct Case {
  OpKind op;
  std::vector<In> inputs;
  Attributes attrs;
  std::vector<TensorType> expected;
};

std::vector<TensorType> infer(const Case& c) {
  std::vector<InferInput> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    ins.push_back({"in" + std::to_string(i),
                   c.inputs[i].present
                       ? std::optional<TensorType>(TensorType{c.inputs[i].dtype, c.inputs[i].shape})
                       : std::nullopt});
  return infer_types(c.op, c.attrs, ins, c.expected.size());
}

constexpr DType F = DType::F32;
using Ints = std::vector<int64_t>;

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {OpKind::MatMul, {{F, {2, 3, 4}}, {F, {4, 5}}}, {}, {{F, {2, 3, 5}}}},
      {OpKind::MatMul, {{F, {4}}, {F, {4, 5}}}, {}, {{F, {5}}}},
      {OpKind::MatMul, {{F, {7, 1, 3, 4}}, {F, {6, 4, 2}}}, {}, {{F, {7, 6, 3, 2}}}},
      {OpKind::MatMul, {{F, {3, 4}}, {F, {4}}}, {}, {{F, {3}}}},
      {OpKind::Gemm,
       {{F, {4, 3}}, {F, {5, 4}}, {F, {5}}},
       {{"transA", int64_t{1}}, {"transB", int64_t{1}}},
       {{F, {3, 5}}}},
      {OpKind::Add, {{F, {2, 1, 4}}, {F, {3, 1}}}, {}, {{F, {2, 3, 4}}}},
      {OpKind::Sub, {{DType::I64, {3}}, {DType::I64, {}}}, {}, {{DType::I64, {3}}}},
      {OpKind::Mul, {{F, {1}}, {F, {5, 6}}}, {}, {{F, {5, 6}}}},
      {OpKind::Div, {{DType::I32, {2, 2}}, {DType::I32, {2, 1}}}, {}, {{DType::I32, {2, 2}}}},
      {OpKind::Pow, {{F, {8}}, {F, {}}}, {}, {{F, {8}}}},
      {OpKind::Sqrt, {{F, {2, 3}}}, {}, {{F, {2, 3}}}},
      {OpKind::Exp, {{DType::F16, {4}}}, {}, {{DType::F16, {4}}}},
      {OpKind::Erf, {{F, {4}}}, {}, {{F, {4}}}},
      {OpKind::Tanh, {{DType::BF16, {4}}}, {}, {{DType::BF16, {4}}}},
      {OpKind::Neg, {{DType::I64, {4}}}, {}, {{DType::I64, {4}}}},
      {OpKind::Reciprocal, {{F, {4}}}, {}, {{F, {4}}}},
      {OpKind::Equal, {{DType::I64, {2, 3}}, {DType::I64, {3}}}, {}, {{DType::Bool, {2, 3}}}},
      {OpKind::Where, {{DType::Bool, {1, 4}}, {F, {3, 1}}, {F, {}}}, {}, {{F, {3, 4}}}},
      {OpKind::Relu, {{F, {4}}}, {}, {{F, {4}}}},
      {OpKind::Gelu, {{F, {4}}}, {{"approximate", std::string("tanh")}}, {{F, {4}}}},
      {OpKind::Silu, {{F, {4}}}, {}, {{F, {4}}}},
      {OpKind::Sigmoid, {{F, {4}}}, {}, {{F, {4}}}},
      {OpKind::Softmax, {{F, {2, 5}}}, {{"axis", int64_t{0}}}, {{F, {2, 5}}}},
      {OpKind::LayerNorm, {{F, {2, 3, 8}}, {F, {8}}, {F, {8}}}, {}, {{F, {2, 3, 8}}}},
      {OpKind::LayerNorm,
       {{F, {2, 3, 8}}, {F, {3, 8}}, absent()},
       {{"axis", int64_t{1}}},
       {{F, {2, 3, 8}}}},
      {OpKind::RMSNorm, {{F, {2, 8}}, {F, {8}}}, {}, {{F, {2, 8}}}},
      {OpKind::ReduceMean, {{F, {2, 3, 4}}}, {{"axes", Ints{-1}}}, {{F, {2, 3, 1}}}},
      {OpKind::ReduceSum,
       {{F, {2, 3, 4}}},
       {{"axes", Ints{0, 2}}, {"keepdims", int64_t{0}}},
       {{F, {3}}}},
      {OpKind::ReduceMax, {{F, {2, 3}}}, {{"keepdims", int64_t{0}}}, {{F, {}}}},
      {OpKind::Reshape, {{F, {2, 3, 4}}}, {{"shape", Ints{0, -1}}}, {{F, {2, 12}}}},
      {OpKind::Transpose, {{F, {2, 3, 4}}}, {{"perm", Ints{2, 0, 1}}}, {{F, {4, 2, 3}}}},
      {OpKind::Transpose, {{F, {2, 3, 4}}}, {}, {{F, {4, 3, 2}}}},
      {OpKind::Concat,
       {{F, {2, 3}}, {F, {2, 5}}, {F, {2, 0}}},
       {{"axis", int64_t{-1}}},
       {{F, {2, 8}}}},
      {OpKind::Split,
       {{F, {6, 4}}},
       {{"axis", int64_t{0}}, {"split", Ints{1, 5}}},
       {{F, {1, 4}}, {F, {5, 4}}}},
      {OpKind::Split, {{F, {6, 4}}}, {{"axis", int64_t{1}}}, {{F, {6, 2}}, {F, {6, 2}}}},
      {OpKind::Slice,
       {{F, {10, 8}}},
       {{"starts", Ints{1, -1}},
        {"ends", Ints{100, 0}},
        {"axes", Ints{0, 1}},
        {"steps", Ints{3, -2}}},
       {{F, {3, 4}}}},
      {OpKind::Gather,
       {{F, {5, 6, 7}}, {DType::I64, {2, 3}}},
       {{"axis", int64_t{1}}},
       {{F, {5, 2, 3, 7}}}},
      {OpKind::Unsqueeze, {{F, {3, 4}}}, {{"axes", Ints{0, -1}}}, {{F, {1, 3, 4, 1}}}},
      {OpKind::Squeeze, {{F, {1, 3, 1, 4}}}, {}, {{F, {3, 4}}}},
      {OpKind::Squeeze, {{F, {1, 3, 1, 4}}}, {{"axes", Ints{2}}}, {{F, {1, 3, 4}}}},
      {OpKind::Expand, {{F, {3, 1}}}, {{"shape", Ints{2, 1, 4}}}, {{F, {2, 3, 4}}}},
      {OpKind::Cast, {{F, {3}}}, {{"to", std::string("bf16")}}, {{DType::BF16, {3}}}},
      {OpKind::Embedding, {{F, {50, 16}}, {DType::I32, {2, 7}}}, {}, {{F, {2, 7, 16}}}},
      {OpKind::Attention,
       {{F, {2, 8, 5, 16}}, {F, {2, 2, 5, 16}}, {F, {2, 2, 5, 32}}},
       {{"causal", int64_t{1}}},
       {{F, {2, 8, 5, 32}}}},
      {OpKind::Attention,
       {{F, {1, 4, 1, 8}},
        {F, {1, 4, 1, 8}},
        {F, {1, 4, 1, 8}},
        {DType::Bool, {1, 1, 1, 10}},
        {F, {1, 4, 9, 8}},
        {F, {1, 4, 9, 8}}},
       {},
       {{F, {1, 4, 1, 8}}, {F, {1, 4, 10, 8}}, {F, {1, 4, 10, 8}}}},
      {OpKind::Attention,
       {{F, {1, 2, 3, 8}},
        {F, {1, 2, 3, 8}},
        {F, {1, 2, 3, 8}},
        absent(),
        {F, {1, 2, 0, 8}},
        {F, {1, 2, 0, 8}}},
       {},
       {{F, {1, 2, 3, 8}}, {F, {1, 2, 3, 8}}, {F, {1, 2, 3, 8}}}},
      {OpKind::RotaryEmbedding,
       {{F, {1, 2, 5, 8}}, {F, {64, 4}}, {F, {64, 4}}, {DType::I64, {1, 5}}},
       {},
       {{F, {1, 2, 5, 8}}}},
      {OpKind::RotaryEmbedding,
       {{F, {1, 2, 5, 8}}, {F, {5, 2}}, {F, {5, 2}}},
       {{"rotary_dim", int64_t{4}}},
       {{F, {1, 2, 5, 8}}}},
      {OpKind::QuantizeLinear,
       {{F, {4, 3}}, {F, {3}}, {DType::I8, {3}}},
       {{"axis", int64_t{1}}},
       {{DType::I8, {4, 3}}}},
      {OpKind::DequantizeLinear, {{DType::I8, {4, 3}}, {F, {}}}, {}, {{F, {4, 3}}}},
      // uint8: the zero point's dtype is the output's; without one ONNX gives uint8.
      {OpKind::QuantizeLinear, {{F, {4, 3}}, {F, {}}, {DType::U8, {}}}, {}, {{DType::U8, {4, 3}}}},
      {OpKind::QuantizeLinear, {{F, {4, 3}}, {F, {}}}, {}, {{DType::U8, {4, 3}}}},
      {OpKind::DequantizeLinear,
       {{DType::U8, {4, 3}}, {F, {4}}, {DType::U8, {4}}},
       {{"axis", int64_t{0}}},
       {{F, {4, 3}}}},
      {OpKind::DequantizeLinear,
       {{DType::I32, {6}}, {F, {6}}, {DType::I32, {6}}},
       {{"axis", int64_t{0}}},
       {{F, {6}}}},
      {OpKind::MatMulInteger,
       {{DType::U8, {2, 5, 4}}, {DType::I8, {4, 3}}, {DType::U8, {}}, {DType::I8, {3}}},
       {},
       {{DType::I32, {2, 5, 3}}}},
      {OpKind::MatMulInteger,
       {{DType::I8, {5, 4}}, {DType::U8, {4, 3}}, {DType::I8, {5}}},
       {},
       {{DType::I32, {5, 3}}}},
      {OpKind::QLinearMatMul,
       {{DType::U8, {5, 4}},
        {F, {}},
        {DType::U8, {}},
        {DType::I8, {4, 3}},
        {F, {3}},
        {DType::I8, {3}},
        {F, {}},
        {DType::I8, {}}},
       {},
       {{DType::I8, {5, 3}}}},
  };
  return all;
}

TEST(ShapeInference, EveryCaseInfersExpectedTypes) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(std::string(op_name(c.op)));
    EXPECT_EQ(infer(c), c.expected);
  }
}

TEST(ShapeInference, EveryOpHasACase) {
  std::set<OpKind> covered;
  for (const Case& c : cases()) covered.insert(c.op);
  for (OpKind op : kAllOps) EXPECT_TRUE(covered.count(op)) << op_name(op) << " has no case";
}

struct Bad {
  Case c;
  std::string message;
};

TEST(ShapeInference, MisfitsNameTheOpInputAndExpectation) {
  const std::vector<Bad> bad = {
      {{OpKind::MatMul, {{F, {2, 3}}, {F, {4, 5}}}, {}, {{}}}, "inner dimensions differ"},
      {{OpKind::MatMul, {{F, {2, 3}}, {DType::I64, {3, 5}}}, {}, {{}}},
       "input 1 'in1' has dtype i64"},
      {{OpKind::Add, {{F, {2, 3}}, {F, {4}}}, {}, {{}}}, "does not broadcast"},
      {{OpKind::Add, {{F, {2}}}, {}, {{}}}, "expected 2 inputs, got 1"},
      {{OpKind::Softmax, {{F, {2, 3}}}, {{"axis", int64_t{2}}}, {{}}},
       "axis 2 is out of range for rank 2"},
      {{OpKind::Sqrt, {{DType::I32, {2}}}, {}, {{}}}, "expected f32/f16/bf16"},
      {{OpKind::Reshape, {{F, {2, 3}}}, {{"shape", Ints{4, 2}}}, {{}}}, "cannot reshape [2, 3]"},
      {{OpKind::Reshape, {{F, {2, 3}}}, {}, {{}}}, "missing required attribute 'shape'"},
      // Found by the fuzzer: a product of target dims past 64 bits (was a signed overflow).
      {{OpKind::Reshape, {{F, {2, 3}}}, {{"shape", Ints{-1, 2017612633061982216, 8}}}, {{}}},
       "more elements than fit in 64 bits"},
      {{OpKind::Transpose, {{F, {2, 3}}}, {{"perm", Ints{0, 0}}}, {{}}}, "twice"},
      {{OpKind::Concat, {{F, {2, 3}}, {F, {3, 3}}}, {{"axis", int64_t{1}}}, {{}}},
       "dim 0 is 3, expected 2"},
      {{OpKind::Split, {{F, {5}}}, {{"axis", int64_t{0}}}, {{}, {}}}, "does not divide"},
      {{OpKind::LayerNorm, {{F, {2, 8}}, {F, {4}}}, {}, {{}}}, "expected [8]"},
      {{OpKind::Gather, {{F, {5, 6}}, {F, {2}}}, {}, {{}}}, "expected i32/i64"},
      {{OpKind::Squeeze, {{F, {2, 3}}}, {{"axes", Ints{0}}}, {{}}}, "has size 2"},
      {{OpKind::Cast, {{F, {2}}}, {{"to", std::string("f64")}}, {{}}}, "is not a dtype"},
      {{OpKind::Gelu, {{F, {2}}}, {{"approximate", std::string("fast")}}, {{}}}, "approximate"},
      {{OpKind::Attention, {{F, {1, 3, 4, 8}}, {F, {1, 2, 4, 8}}, {F, {1, 2, 4, 8}}}, {}, {{}}},
       "not a multiple"},
      {{OpKind::Attention, {{F, {1, 2, 4, 8}}, {F, {1, 2, 4, 6}}, {F, {1, 2, 4, 8}}}, {}, {{}}},
       "head_dim"},
      {{OpKind::Attention,
        {{F, {1, 2, 4, 8}}, {F, {1, 2, 4, 8}}, {F, {1, 2, 4, 8}}, {DType::Bool, {4, 5}}},
        {},
        {{}}},
       "does not broadcast to the scores"},
      {{OpKind::RotaryEmbedding, {{F, {1, 2, 5, 8}}, {F, {5, 3}}, {F, {5, 3}}}, {}, {{}}},
       "cos shape"},
      {{OpKind::QuantizeLinear, {{F, {4, 3}}, {F, {4}}}, {{"axis", int64_t{1}}}, {{}}}, "channels"},
      {{OpKind::Gemm, {{F, {2, 3}}, {F, {3, 4}}, {F, {3}}}, {}, {{}}}, "does not broadcast"},
      {{OpKind::QuantizeLinear, {{F, {4}}, {F, {}}, {DType::I32, {}}}, {}, {{}}},
       "input 2 'in2' has dtype i32, expected i8/u8"},
      {{OpKind::DequantizeLinear, {{DType::U8, {4}}, {F, {}}, {DType::I8, {}}}, {}, {{}}},
       "they must match"},
      {{OpKind::MatMulInteger, {{F, {2, 3}}, {DType::I8, {3, 4}}}, {}, {{}}},
       "input 0 'in0' has dtype f32, expected i8/u8"},
      {{OpKind::MatMulInteger,
        {{DType::U8, {2, 3}}, {DType::I8, {3, 4}}, {DType::U8, {3}}},
        {},
        {{}}},
       "expected a scalar or [2] (one per row"},
      {{OpKind::MatMulInteger,
        {{DType::U8, {2, 3}}, {DType::I8, {3, 4}}, absent(), {DType::I8, {2}}},
        {},
        {{}}},
       "expected a scalar or [4] (one per column"},
      {{OpKind::QLinearMatMul,
        {{DType::U8, {5, 4}},
         {F, {}},
         {DType::U8, {}},
         {DType::I8, {4, 3}},
         {F, {3}},
         {DType::I8, {3}},
         {F, {3}},
         {DType::U8, {3}}},
        {},
        {{}}},
       "the output is quantized per tensor"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.message);
    try {
      infer(b.c);
      ADD_FAILURE() << op_name(b.c.op) << ": no error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::string(op_name(b.c.op)) + ":"));
      EXPECT_THAT(e.what(), HasSubstr(b.message));
    }
  }
}

}  // namespace
}  // namespace nuri::ir
