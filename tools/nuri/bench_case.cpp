#include "tools/nuri/bench_case.h"

#include <fmt/format.h>

#include <charconv>

#include "compiler/ir/builder.h"
#include "compiler/ir/op_work.h"
#include "compiler/models/seeded_random.h"
#include "nuri/error.hpp"

namespace nuri::cli {
namespace {

std::string input_str(const BenchInput& in) {
  if (in.absent) return "-";
  std::string s = in.type.dtype == DType::F32 ? "" : std::string(dtype_name(in.type.dtype)) + ":";
  return s + dims_str(in.type.shape) + (in.constant ? "c" : "");
}

void name_case(BenchCase& c) {
  std::vector<std::string> ins, outs;
  for (const BenchInput& in : c.inputs) ins.push_back(input_str(in));
  for (const ir::TensorType& t : c.outputs)
    outs.push_back((t.dtype == DType::F32 ? "" : std::string(dtype_name(t.dtype)) + ":") +
                   dims_str(t.shape));
  c.name = fmt::format("{}/{}->{}", ir::op_name(c.op), fmt::join(ins, ","), fmt::join(outs, ","));
}

// Output types and work come from the graph itself, so they follow shape inference.
void fill_from_graph(BenchCase& c) {
  const ir::Graph g = bench_graph(c, false);
  const ir::Node& n = g.nodes().front();
  c.outputs.clear();
  for (ir::ValueId v : n.outputs) c.outputs.push_back(g.value(v).type);
  c.flops = ir::node_flops(g, n);
  c.bytes = ir::node_min_bytes(g, n);
  name_case(c);
}

}  // namespace

Tensor seeded_tensor(const ir::TensorType& type, uint64_t seed) {
  Tensor t(type.dtype, type.shape);
  if (type.dtype == DType::F32) {
    ir::SeededRandom rng(seed);
    float* p = t.data_as<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(rng.uniform(-1, 1));
  }
  return t;
}

std::string dims_str(const Shape& shape) {
  if (shape.empty()) return "scalar";
  return fmt::format("{}", fmt::join(shape, "x"));
}

Shape parse_dims(const std::string& text) {
  Shape dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('x', pos), text.size());
    int64_t d = 0;
    const auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, d);
    if (ec != std::errc() || p != text.data() + end || d < 1)
      throw Error(
          fmt::format("--shape '{}': expected positive sizes joined by 'x', like 512x768", text));
    dims.push_back(d);
    pos = end + 1;
  }
  return dims;
}

ir::Graph bench_graph(const BenchCase& c, bool with_data) {
  ir::GraphBuilder b("bench");
  std::vector<ir::ValueId> ins;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const BenchInput& in = c.inputs[i];
    const std::string name = fmt::format("in{}", i);
    if (in.absent)
      ins.push_back(ir::kNoValue);
    else if (!in.constant)
      ins.push_back(b.input(name, in.type.dtype, in.type.shape));
    else if (with_data || !is_float(in.type.dtype))  // indices (positions) are always real
      ins.push_back(b.constant(name, seeded_tensor(in.type, 100 + i)));
    else
      ins.push_back(b.constant_placeholder(name, in.type.dtype, in.type.shape));
  }
  const size_t outs = c.outputs.empty() ? 1 : c.outputs.size();
  for (ir::ValueId v : b.add(c.op, ins, c.attrs, outs, std::string(ir::op_name(c.op)))) b.output(v);
  return b.build();
}

std::vector<Tensor> bench_inputs(const BenchCase& c) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (!c.inputs[i].absent && !c.inputs[i].constant)
      inputs.push_back(seeded_tensor(c.inputs[i].type, 1 + i));
  return inputs;
}

BenchCase case_from_node(const ir::Graph& g, const ir::Node& n) {
  BenchCase c;
  c.op = n.op;
  c.attrs = n.attrs;
  for (ir::ValueId v : n.inputs) {
    if (v == ir::kNoValue) {
      c.inputs.push_back({{}, false, true});
      continue;
    }
    const ir::Value& value = g.value(v);
    c.inputs.push_back({value.type, value.kind == ir::ValueKind::Constant, false});
  }
  for (ir::ValueId v : n.outputs) c.outputs.push_back(g.value(v).type);
  fill_from_graph(c);
  return c;
}

BenchCase case_from_flags(const std::string& op_text, const std::string& dims_text,
                          const std::string& dtype_text) {
  const auto op = ir::parse_op(op_text);
  if (!op)
    throw Error(fmt::format("--op '{}': not an op of the IR (MatMul, Softmax, ...)", op_text));
  const auto dtype = parse_dtype(dtype_text);
  if (!dtype)
    throw Error(fmt::format("--dtype '{}': not a dtype (f32, f16, bf16, ...)", dtype_text));
  if (dims_text.empty()) throw Error(fmt::format("--op {} needs --shape", op_text));
  const Shape dims = parse_dims(dims_text);
  BenchCase c;
  c.op = *op;
  const auto act = [&](Shape s) { return BenchInput{{*dtype, std::move(s)}, false, false}; };
  const auto weight = [&](Shape s) { return BenchInput{{*dtype, std::move(s)}, true, false}; };
  switch (*op) {
    case ir::OpKind::MatMul:
      if (dims.size() != 3) throw Error(fmt::format("--shape '{}': MatMul takes MxNxK", dims_text));
      c.inputs = {act({dims[0], dims[2]}), weight({dims[2], dims[1]})};
      break;
    case ir::OpKind::Softmax:
      c.inputs = {act(dims)};
      break;
    case ir::OpKind::LayerNorm:
      c.inputs = {act(dims), weight({dims.back()}), weight({dims.back()})};
      break;
    case ir::OpKind::RMSNorm:
      c.inputs = {act(dims), weight({dims.back()})};
      break;
    default:
      if (ir::is_unary_elementwise(*op)) {
        c.inputs = {act(dims)};
      } else if (ir::is_binary_elementwise(*op)) {
        c.inputs = {act(dims), act(dims)};
      } else {
        throw Error(fmt::format(
            "--op {}: no --shape form for this op (MatMul, Softmax, LayerNorm, RMSNorm and "
            "elementwise ops have one); benchmark it through --suite",
            op_text));
      }
  }
  fill_from_graph(c);
  return c;
}

}  // namespace nuri::cli
