#include "tests/conformance/op_cases.h"

#include <fmt/format.h>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "kernels/cpu/layout.h"

namespace nuri::conformance {
namespace {

using ir::OpKind;
using Ints = std::vector<int64_t>;

// Byte: every value of an 8-bit dtype; Scale: a quantization scale small enough that 8-bit
// products land inside the output range; Zero: a zero point of 0.
enum class Fill { Normal, Positive, Index, Byte, Scale, Zero };

Tensor make_input(DType dt, const Shape& shape, Fill fill, int64_t index_limit, uint64_t seed) {
  ir::SeededRandom rng(seed);
  std::vector<float> v(num_elements(shape));
  for (float& x : v) {
    if (fill == Fill::Positive)
      x = static_cast<float>(rng.uniform(0.5, 2.0));
    else if (fill == Fill::Index)
      x = static_cast<float>(rng.integer(0, index_limit));
    else if (fill == Fill::Byte)
      x = static_cast<float>(dt == DType::U8 ? rng.integer(0, 256) : rng.integer(-128, 128));
    else if (fill == Fill::Scale)
      x = static_cast<float>(rng.uniform(0.002, 0.01));
    else if (fill == Fill::Zero)
      x = 0.0f;
    else
      x = static_cast<float>(rng.normal());
  }
  Tensor t(dt, shape);
  kernels::cast(v.data(), NURI_DTYPE_F32, t.data(), static_cast<nuri_dtype>(dt), t.numel());
  return t;
}

struct InputSpec {
  DType dtype;
  Shape shape;
  Fill fill = Fill::Normal;
  int64_t index_limit = 0;
  bool constant = false;  // a weight: devices that keep weights resident (pim) need it constant
};

OpCase make_case(OpKind op, const std::string& tag, std::vector<InputSpec> specs,
                 ir::Attributes attrs = {}, size_t outputs = 1) {
  OpCase c{fmt::format("{}/{}", ir::op_name(op), tag), ir::Graph(), {}};
  ir::GraphBuilder b(c.name);
  std::vector<ir::ValueId> ins;
  uint64_t seed = 1;
  for (size_t i = 0; i < specs.size(); ++i) {
    Tensor t =
        make_input(specs[i].dtype, specs[i].shape, specs[i].fill, specs[i].index_limit, seed++);
    if (specs[i].constant) {
      ins.push_back(b.constant(fmt::format("w{}", i), std::move(t)));
    } else {
      ins.push_back(b.input(fmt::format("in{}", i), specs[i].dtype, specs[i].shape));
      c.inputs.push_back(std::move(t));
    }
  }
  for (ir::ValueId v : b.add(op, ins, std::move(attrs), outputs, "op")) b.output(v);
  c.graph = b.build();
  return c;
}

// uint8 and int8 quantization and integer matrix products. The cpu device takes the
// constant-s8-weight, per-tensor-A cases to oneDNN's int8 matmul and the rest to reference
// kernels, so both paths are covered.
template <typename Add>
void add_8bit_cases(const Add& add) {
  const DType u8 = DType::U8, s8 = DType::I8, f32 = DType::F32;
  const InputSpec scalar_scale{f32, {}, Fill::Scale, 0, true};
  add(make_case(OpKind::Cast, "u8/to_f32", {{u8, {5, 7}, Fill::Byte}},
                {{"to", std::string("f32")}}));
  add(make_case(OpKind::Cast, "f32/to_u8_saturates", {{f32, {5, 7}, Fill::Index, 400}},
                {{"to", std::string("u8")}}));
  add(make_case(OpKind::QuantizeLinear, "u8/per_tensor",
                {{f32, {6, 4}}, {f32, {}, Fill::Scale}, {u8, {}, Fill::Byte}}));
  add(make_case(OpKind::QuantizeLinear, "u8/per_channel",
                {{f32, {6, 4}}, {f32, {6}, Fill::Positive}, {u8, {6}, Fill::Byte}},
                {{"axis", int64_t{0}}}));
  add(make_case(OpKind::QuantizeLinear, "i8/per_channel",
                {{f32, {2, 3, 4}}, {f32, {3}, Fill::Scale}, {s8, {3}, Fill::Byte}}));
  add(make_case(OpKind::DequantizeLinear, "u8/per_channel",
                {{u8, {6, 4}, Fill::Byte}, {f32, {4}, Fill::Positive}, {u8, {4}, Fill::Byte}},
                {{"axis", int64_t{1}}}));
  add(make_case(OpKind::DequantizeLinear, "i32/bias",
                {{DType::I32, {24}, Fill::Index, 5000},
                 {f32, {24}, Fill::Scale},
                 {DType::I32, {24}, Fill::Zero}},
                {{"axis", int64_t{0}}}));
  add(make_case(
      OpKind::MatMulInteger, "u8s8/const_weight",
      {{u8, {2, 8, 64}, Fill::Byte}, {s8, {64, 24}, Fill::Byte, 0, true}, {u8, {}, Fill::Byte}}));
  add(make_case(OpKind::MatMulInteger, "s8s8/const_weight",
                {{s8, {16, 96}, Fill::Byte}, {s8, {96, 8}, Fill::Byte, 0, true}}));
  add(make_case(OpKind::MatMulInteger, "u8s8/per_row_and_column_zero_points",
                {{u8, {6, 40}, Fill::Byte},
                 {s8, {40, 12}, Fill::Byte},
                 {u8, {6}, Fill::Byte},
                 {s8, {12}, Fill::Byte}}));
  add(make_case(OpKind::MatMulInteger, "u8u8/batched",
                {{u8, {3, 5, 16}, Fill::Byte}, {u8, {3, 16, 7}, Fill::Byte}}));
  for (DType out : {u8, s8}) {
    const std::string o = dtype_name(out);
    add(make_case(OpKind::QLinearMatMul, "u8s8/per_column_to_" + o,
                  {{u8, {16, 64}, Fill::Byte},
                   scalar_scale,
                   {u8, {}, Fill::Byte},
                   {s8, {64, 24}, Fill::Byte, 0, true},
                   {f32, {24}, Fill::Scale, 0, true},
                   {s8, {24}, Fill::Zero, 0, true},
                   {f32, {}, Fill::Positive, 0, true},
                   {out, {}, Fill::Zero, 0, true}}));
  }
  add(make_case(OpKind::QLinearMatMul, "s8s8/per_row_scale_zero_points",
                {{s8, {6, 20}, Fill::Byte},
                 {f32, {6}, Fill::Scale},
                 {s8, {6}, Fill::Byte},
                 {s8, {20, 5}, Fill::Byte},
                 {f32, {}, Fill::Scale},
                 {s8, {}, Fill::Byte},
                 {f32, {}, Fill::Positive},
                 {s8, {}, Fill::Byte}}));
}

}  // namespace

double tolerance_for(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return 1e-4;
    case DType::F16:
      return 4e-3;
    case DType::BF16:
      return 3e-2;
    default:
      return 0;
  }
}

std::vector<OpCase> all_op_cases() {
  std::vector<OpCase> cases;
  const auto add = [&](OpCase c) { cases.push_back(std::move(c)); };
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    const std::string d = dtype_name(dt);
    add(make_case(OpKind::MatMul, d + "/16x32x24", {{dt, {16, 32}}, {dt, {32, 24}}}));
    add(make_case(OpKind::MatMul, d + "/gemv_const_weight",
                  {{dt, {1, 256}}, {dt, {256, 96}, Fill::Normal, 0, true}}));
    add(make_case(
        OpKind::Gemm, d + "/skinny_const_weight",
        {{dt, {4, 128}}, {dt, {64, 128}, Fill::Normal, 0, true}, {dt, {64}, Fill::Normal, 0, true}},
        {{"transB", int64_t{1}}}));
    add(make_case(OpKind::MatMul, d + "/batched", {{dt, {2, 3, 8, 16}}, {dt, {16, 8}}}));
    add(make_case(OpKind::Gemm, d + "/transB_bias", {{dt, {8, 16}}, {dt, {12, 16}}, {dt, {12}}},
                  {{"transB", int64_t{1}}}));
    for (OpKind op : {OpKind::Add, OpKind::Sub, OpKind::Mul}) {
      add(make_case(op, d + "/same", {{dt, {4, 33}}, {dt, {4, 33}}}));
      add(make_case(op, d + "/row_bcast", {{dt, {2, 4, 33}}, {dt, {33}}}));
    }
    add(make_case(OpKind::Div, d + "/same", {{dt, {4, 33}}, {dt, {4, 33}, Fill::Positive}}));
    add(make_case(OpKind::Pow, d + "/scalar_exp", {{dt, {4, 9}, Fill::Positive}, {dt, {}}}));
    for (OpKind op : {OpKind::Exp, OpKind::Erf, OpKind::Tanh, OpKind::Neg, OpKind::Relu,
                      OpKind::Silu, OpKind::Sigmoid})
      add(make_case(op, d + "/3x70", {{dt, {3, 70}}}));
    add(make_case(OpKind::Sqrt, d + "/3x70", {{dt, {3, 70}, Fill::Positive}}));
    add(make_case(OpKind::Reciprocal, d + "/3x70", {{dt, {3, 70}, Fill::Positive}}));
    add(make_case(OpKind::Gelu, d + "/erf", {{dt, {3, 70}}}));
    add(make_case(OpKind::Gelu, d + "/tanh", {{dt, {3, 70}}},
                  {{"approximate", std::string("tanh")}}));
    add(make_case(OpKind::Softmax, d + "/last", {{dt, {2, 5, 40}}}));
    add(make_case(OpKind::Softmax, d + "/axis1", {{dt, {2, 5, 40}}}, {{"axis", int64_t{1}}}));
    add(make_case(OpKind::LayerNorm, d + "/bias", {{dt, {2, 6, 64}}, {dt, {64}}, {dt, {64}}}));
    add(make_case(OpKind::RMSNorm, d + "/64", {{dt, {2, 6, 64}}, {dt, {64}}}));
    add(make_case(OpKind::ReduceMean, d + "/last", {{dt, {3, 4, 10}}}, {{"axes", Ints{-1}}}));
    add(make_case(OpKind::ReduceSum, d + "/two_axes", {{dt, {3, 4, 10}}}, {{"axes", Ints{0, 2}}}));
    add(make_case(OpKind::ReduceMax, d + "/mid", {{dt, {3, 4, 10}}}, {{"axes", Ints{1}}}));
    add(make_case(OpKind::Attention, d + "/causal",
                  {{dt, {1, 4, 16, 32}}, {dt, {1, 4, 16, 32}}, {dt, {1, 4, 16, 32}}},
                  {{"causal", int64_t{1}}}));
    add(make_case(OpKind::Attention, d + "/gqa",
                  {{dt, {2, 4, 8, 16}}, {dt, {2, 2, 8, 16}}, {dt, {2, 2, 8, 16}}}));
    add(make_case(OpKind::RotaryEmbedding, d + "/halves",
                  {{dt, {1, 2, 6, 16}}, {dt, {6, 8}}, {dt, {6, 8}}}));
    add(make_case(OpKind::Transpose, d + "/0213", {{dt, {2, 3, 4, 5}}},
                  {{"perm", Ints{0, 2, 1, 3}}}));
    add(make_case(OpKind::Reshape, d + "/flat", {{dt, {2, 3, 4}}}, {{"shape", Ints{6, -1}}}));
    add(make_case(OpKind::Concat, d + "/axis1", {{dt, {2, 3, 4}}, {dt, {2, 5, 4}}},
                  {{"axis", int64_t{1}}}));
    add(make_case(OpKind::Split, d + "/3way", {{dt, {2, 12}}},
                  {{"axis", int64_t{1}}, {"split", Ints{4, 4, 4}}}, 3));
    add(make_case(OpKind::Slice, d + "/steps", {{dt, {8, 10}}},
                  {{"starts", Ints{1, 9}}, {"ends", Ints{7, 0}}, {"steps", Ints{2, -3}}}));
    add(make_case(OpKind::Expand, d + "/bcast", {{dt, {3, 1}}}, {{"shape", Ints{2, 3, 4}}}));
    add(make_case(OpKind::Embedding, d + "/ids",
                  {{dt, {50, 16}}, {DType::I64, {2, 7}, Fill::Index, 50}}));
    add(make_case(OpKind::Cast, d + "/to_f32", {{dt, {5, 7}}}, {{"to", std::string("f32")}}));
  }
  add(make_case(OpKind::Add, "i64/bcast",
                {{DType::I64, {3, 4}, Fill::Index, 100}, {DType::I64, {4}, Fill::Index, 100}}));
  add(make_case(OpKind::Equal, "i64",
                {{DType::I64, {3, 4}, Fill::Index, 3}, {DType::I64, {3, 4}, Fill::Index, 3}}));
  add(make_case(OpKind::Where, "f32",
                {{DType::Bool, {3, 1}, Fill::Index, 2}, {DType::F32, {3, 4}}, {DType::F32, {4}}}));
  add(make_case(OpKind::Gather, "f32/axis1",
                {{DType::F32, {4, 6, 3}}, {DType::I32, {5}, Fill::Index, 6}},
                {{"axis", int64_t{1}}}));
  add(make_case(OpKind::Unsqueeze, "f32", {{DType::F32, {3, 4}}}, {{"axes", Ints{0, 3}}}));
  add(make_case(OpKind::Squeeze, "f32", {{DType::F32, {1, 3, 1, 4}}}));
  add(make_case(OpKind::QuantizeLinear, "per_channel",
                {{DType::F32, {6, 4}}, {DType::F32, {4}, Fill::Positive}}, {{"axis", int64_t{1}}}));
  add(make_case(OpKind::DequantizeLinear, "per_tensor",
                {{DType::I8, {6, 4}, Fill::Index, 100}, {DType::F32, {}, Fill::Positive}}));
  add_8bit_cases(add);
  return cases;
}

}  // namespace nuri::conformance
