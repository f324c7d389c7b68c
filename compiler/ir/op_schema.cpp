#include "compiler/ir/op_schema.h"

#include <fmt/format.h>

#include <cctype>

namespace nuri::ir {
namespace {

const OpAttrSpec kAxisLast{"axis", "int", "-1",
                           "axis normalized over (negative counts from the end)"};

OpSchema unary(const char* summary) {
  return {summary, {{"X"}}, false, {}, "Y: same type as X"};
}

OpSchema binary(const char* summary) {
  return {summary, {{"A"}, {"B"}}, false, {}, "C: numpy-broadcast shape, A's dtype"};
}

OpSchema reduce(const char* summary) {
  return {summary,
          {{"X"}},
          false,
          {{"axes", "ints", "{}", "dims reduced; empty = all"},
           {"keepdims", "int", "1", "1 keeps reduced dims as size 1"}},
          "Y"};
}

OpSchema quant(const char* summary) {
  return {summary,
          {{"X"}, {"scale"}, {"zero_point", true}},
          false,
          {{"axis", "int", "1", "channel axis of a 1-D scale"}},
          "Y: same shape as X"};
}

}  // namespace

OpSchema op_schema(OpKind op) {
  switch (op) {
    case OpKind::MatMul:
      return {"numpy matmul: A [..., M, K] x B [..., K, N]",
              {{"A"}, {"B"}},
              false,
              {},
              "Y [..., M, N]"};
    case OpKind::Gemm:
      return {"alpha * op(A) op(B) + beta * C, A and B 2-D",
              {{"A"}, {"B"}, {"C", true}},
              false,
              {{"transA", "int", "0", "1 transposes A"},
               {"transB", "int", "0", "1 transposes B"},
               {"alpha", "float", "1.0", "scales A x B"},
               {"beta", "float", "1.0", "scales C"}},
              "Y [M, N]"};
    case OpKind::Add:
      return binary("A + B");
    case OpKind::Sub:
      return binary("A - B");
    case OpKind::Mul:
      return binary("A * B");
    case OpKind::Div:
      return binary("A / B");
    case OpKind::Pow:
      return binary("A ** B");
    case OpKind::Equal:
      return {"A == B, numpy broadcasting", {{"A"}, {"B"}}, false, {}, "C: bool"};
    case OpKind::Where:
      return {"condition ? X : Y, numpy broadcasting",
              {{"condition"}, {"X"}, {"Y"}},
              false,
              {},
              "Z: X's dtype"};
    case OpKind::Sqrt:
      return unary("sqrt(X)");
    case OpKind::Exp:
      return unary("exp(X)");
    case OpKind::Erf:
      return unary("erf(X)");
    case OpKind::Tanh:
      return unary("tanh(X)");
    case OpKind::Neg:
      return unary("-X");
    case OpKind::Reciprocal:
      return unary("1 / X");
    case OpKind::Relu:
      return unary("max(X, 0)");
    case OpKind::Gelu:
      return {"X * Phi(X)",
              {{"X"}},
              false,
              {{"approximate", "string", "\"none\"", "\"none\" (erf) or \"tanh\""}},
              "Y"};
    case OpKind::Silu:
      return unary("X * sigmoid(X)");
    case OpKind::Sigmoid:
      return unary("1 / (1 + exp(-X))");
    case OpKind::Softmax:
      return {"softmax along axis", {{"X"}}, false, {kAxisLast}, "Y"};
    case OpKind::LayerNorm:
      return {"(X - mean) / sqrt(var + epsilon) * scale + bias over dims axis..rank-1",
              {{"X"}, {"scale"}, {"bias", true}},
              false,
              {kAxisLast, {"epsilon", "float", "1e-5", "added to the variance"}},
              "Y"};
    case OpKind::RMSNorm:
      return {"X / sqrt(mean(X^2) + epsilon) * scale over dims axis..rank-1",
              {{"X"}, {"scale"}},
              false,
              {kAxisLast, {"epsilon", "float", "1e-5", "added to the mean square"}},
              "Y"};
    case OpKind::ReduceMean:
      return reduce("mean over axes");
    case OpKind::ReduceSum:
      return reduce("sum over axes");
    case OpKind::ReduceMax:
      return reduce("max over axes");
    case OpKind::Reshape:
      return {"same bytes, new shape",
              {{"X"}},
              false,
              {{"shape", "ints", nullptr, "target; -1 inferred, 0 copies the input dim"},
               {"allowzero", "int", "0", "1 makes 0 a literal zero dim"}},
              "Y"};
    case OpKind::Transpose:
      return {"permute dims",
              {{"X"}},
              false,
              {{"perm", "ints", "{}", "output dim i is input dim perm[i]; empty = reversed"}},
              "Y"};
    case OpKind::Concat:
      return {"join along axis", {{"X"}}, true, {{"axis", "int", nullptr, "the joined dim"}}, "Y"};
    case OpKind::Split:
      return {"cut along axis into the node's outputs",
              {{"X"}},
              false,
              {{"axis", "int", "0", "the cut dim"},
               {"split", "ints", "{}", "sizes; empty = equal parts"}},
              "Y0..Yn-1"};
    case OpKind::Slice:
      return {"ONNX Slice, bounds clamped",
              {{"X"}},
              false,
              {{"starts", "ints", nullptr, "first index per sliced axis"},
               {"ends", "ints", nullptr, "end (exclusive) per sliced axis"},
               {"axes", "ints", "{}", "sliced axes; empty = 0..n-1"},
               {"steps", "ints", "{}", "strides; empty = all 1"}},
              "Y"};
    case OpKind::Gather:
      return {"take indices along axis",
              {{"data"}, {"indices"}},
              false,
              {{"axis", "int", "0", "the indexed dim"}},
              "Y: data dims before axis, indices dims, data dims after"};
    case OpKind::Unsqueeze:
      return {"insert size-1 dims",
              {{"X"}},
              false,
              {{"axes", "ints", nullptr, "positions in the output"}},
              "Y"};
    case OpKind::Squeeze:
      return {"remove size-1 dims",
              {{"X"}},
              false,
              {{"axes", "ints", "{}", "dims removed; empty = every size-1 dim"}},
              "Y"};
    case OpKind::Expand:
      return {"broadcast to a shape (both ways, as ONNX)",
              {{"X"}},
              false,
              {{"shape", "ints", nullptr, "target; 1 keeps the input dim"}},
              "Y"};
    case OpKind::Cast:
      return {"convert dtype",
              {{"X"}},
              false,
              {{"to", "string", nullptr, "dtype name: \"f32\", \"f16\", \"bf16\", \"i8\", ..."}},
              "Y"};
    case OpKind::Embedding:
      return {"rows of table by ids (Gather on axis 0)",
              {{"table"}, {"ids"}},
              false,
              {},
              "Y [ids..., D]"};
    case OpKind::Attention:
      return {"softmax(q k^T * scale + mask) v; q [B,Hq,S,D], k [B,Hkv,T,D], v [B,Hkv,T,Dv]",
              {{"q"},
               {"k"},
               {"v"},
               {"mask", true},
               {"past_k", true},
               {"past_v", true},
               {"kv_len", true}},
              false,
              {{"scale", "float", "1/sqrt(D)", "multiplies the scores"},
               {"causal", "int", "0", "1 masks keys after the query's position"}},
              "Y [B,Hq,S,Dv]; with past_k/v also present_k/v (kv_len: past's shape, may alias it)"};
    case OpKind::RotaryEmbedding:
      return {"rotary position embedding of x [B,H,S,D]",
              {{"X"}, {"cos"}, {"sin"}, {"position_ids", true}},
              false,
              {{"rotary_dim", "int", "0", "rotated head dims; 0 = all"},
               {"interleaved", "int", "0", "1 rotates (even, odd) pairs, 0 the two halves"}},
              "Y"};
    case OpKind::QuantizeLinear:
      return quant("round(X / scale) + zero_point, saturated to i8");
    case OpKind::DequantizeLinear:
      return quant("(X - zero_point) * scale, i8 to f32");
    case OpKind::MatMulInteger:
      return {"(A - a_zero_point) x (B - b_zero_point) in int32; A, B int8 or uint8",
              {{"A"}, {"B"}, {"a_zero_point", true}, {"b_zero_point", true}},
              false,
              {},
              "Y [..., M, N] int32"};
    case OpKind::QLinearMatMul:
      return {"quantized matmul: dequantize a and b, multiply, requantize to y's scale",
              {{"a"},
               {"a_scale"},
               {"a_zero_point"},
               {"b"},
               {"b_scale"},
               {"b_zero_point"},
               {"y_scale"},
               {"y_zero_point"}},
              false,
              {},
              "Y [..., M, N], y_zero_point's dtype"};
  }
  return {"?", {}, false, {}, "?"};
}

namespace {

std::string upper(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string render_ops_header() {
  std::string h =
      "/* Nuri op contract: every op a partition desc (nuri/device.h) may hold, its inputs by\n"
      " * position (nuri_node_desc.inputs[i]; -1 = an absent optional input), its attributes\n"
      " * (nuri_attr, by name) and their defaults when a node omits them.\n"
      " * GENERATED from compiler/ir/op_schema.cpp by `nuri_gen_ops_header`; do not edit. */\n"
      "#ifndef NURI_OPS_H\n#define NURI_OPS_H\n\n";
  int count = 0;
  for (OpKind op : kAllOps) {
    const OpSchema s = op_schema(op);
    const std::string name(op_name(op)), up = upper(name);
    h += fmt::format("/* {}: {}.\n", name, s.summary);
    h += fmt::format(" *   outputs: {} */\n", s.outputs);
    h += fmt::format("#define NURI_OP_{} \"{}\"\n", up, name);
    for (size_t i = 0; i < s.inputs.size(); ++i) {
      if (s.inputs[i].optional) h += "/* optional: -1 when absent */\n";
      if (s.variadic && i + 1 == s.inputs.size()) h += "/* the first of any number */\n";
      h += fmt::format("#define NURI_{}_IN_{} {}\n", up, upper(s.inputs[i].name), i);
    }
    for (const OpAttrSpec& a : s.attrs) {
      const std::string_view type = a.type;
      const bool numeric = a.fallback && (type == "int" || type == "float") &&
                           std::string_view(a.fallback).find('/') == std::string_view::npos;
      h += fmt::format(
          "/* {} {}: {}{} */\n", a.type, a.name, a.meaning,
          a.fallback ? (numeric ? "" : fmt::format("; default {}", a.fallback)) : "; required");
      h += fmt::format("#define NURI_{}_ATTR_{} \"{}\"\n", up, upper(a.name), a.name);
      if (numeric)
        h += fmt::format("#define NURI_{}_{}_DEFAULT {}\n", up, upper(a.name), a.fallback);
    }
    h += "\n";
    ++count;
  }
  h += fmt::format("#define NURI_OP_COUNT {}\n\n#endif /* NURI_OPS_H */\n", count);
  return h;
}

}  // namespace nuri::ir
