#include "compiler/frontend/onnx/importer.h"

#include <fmt/format.h>

#include <onnx/onnx_pb.h>
#include <algorithm>

#include "compiler/frontend/onnx/onnx_tensor.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/lowering/reference_ops.h"
#include "nuri/error.hpp"

namespace nuri::onnx {

Importer::Importer(int64_t opset, std::shared_ptr<ExternalData> external, std::string label,
                   const std::vector<TensorBytes>* initializer_bytes)
    : opset_(opset),
      external_(std::move(external)),
      label_(std::move(label)),
      initializer_bytes_(initializer_bytes) {}

std::string Importer::unique_name(const std::string& base) {
  const std::string b = base.empty() ? "v" : base;
  if (used_names_.insert(b).second) return b;
  for (int64_t k = 1;; ++k) {
    std::string candidate = fmt::format("{}_{}", b, k);
    if (used_names_.insert(candidate).second) return candidate;
  }
}

// ------------------------------------------------------------------------------ graph inputs
namespace {

Shape resolve_input_shape(const OnnxInput& in, const InputShapes& shapes,
                          std::map<std::string, int64_t>& params) {
  Shape shape;
  auto it = shapes.find(in.name);
  if (it == shapes.end()) {
    if (!in.is_static()) {
      std::vector<std::string> dims;
      for (const OnnxDim& d : in.dims)
        dims.push_back(d.size >= 0 ? std::to_string(d.size) : (d.param.empty() ? "?" : d.param));
      throw Error(fmt::format("input '{}' has dynamic dims [{}]; give its shape to specialize",
                              in.name, fmt::join(dims, ", ")));
    }
    shape = in.shape_with(0);
  } else {
    shape = it->second;
    if (shape.size() != in.dims.size())
      throw Error(fmt::format("input '{}': shape {} has rank {}, the model declares rank {}",
                              in.name, shape_str(shape), shape.size(), in.dims.size()));
  }
  checked_numel(shape, fmt::format("input '{}'", in.name));
  for (size_t d = 0; d < shape.size(); ++d) {
    const OnnxDim& dim = in.dims[d];
    if (dim.size >= 0 && dim.size != shape[d])
      throw Error(fmt::format("input '{}': shape {} has {} at dim {}, the model fixes it to {}",
                              in.name, shape_str(shape), shape[d], d, dim.size));
    if (!dim.param.empty()) {
      auto [p, inserted] = params.emplace(dim.param, shape[d]);
      if (!inserted && p->second != shape[d])
        throw Error(
            fmt::format("input '{}': dim {} ('{}') is {}, but another input set '{}' to "
                        "{}",
                        in.name, d, dim.param, shape[d], dim.param, p->second));
    }
  }
  return shape;
}

}  // namespace

ir::Graph Importer::import(const ::onnx::GraphProto& g, const std::vector<OnnxInput>& inputs,
                           const InputShapes& shapes) {
  graph_ = ir::Graph(g.name().empty() ? "onnx" : g.name());
  try {
    for (const auto& [name, shape] : shapes) {
      bool known = false;
      for (const OnnxInput& in : inputs) known = known || in.name == name;
      if (!known) throw Error(fmt::format("the model has no input named '{}'", name));
    }
    for (int i = 0; i < g.initializer_size(); ++i) {
      const auto& init = g.initializer(i);
      const TensorBytes* raw = nullptr;
      if (initializer_bytes_ && static_cast<size_t>(i) < initializer_bytes_->size() &&
          (*initializer_bytes_)[i].data)
        raw = &(*initializer_bytes_)[i];
      values_[init.name()] = constant(tensor_from_proto(init, *external_, raw), init.name());
    }
    std::map<std::string, int64_t> params;
    for (const OnnxInput& in : inputs) {
      const Shape shape = resolve_input_shape(in, shapes, params);
      Ref r;
      r.id = graph_.add_input(unique_name(in.name), ir::TensorType{in.dtype, shape});
      r.name = in.name;
      values_[in.name] = r;
    }
    for (const auto& n : g.node()) convert_node(n);
    std::vector<ir::ValueId> outs;
    for (const auto& o : g.output()) {
      node_ = nullptr;
      Ref r = lookup(o.name());
      if (!r.present())
        throw Error(fmt::format("graph output '{}' is not produced by any node", o.name()));
      outs.push_back(materialize(r));
    }
    graph_.set_outputs(std::move(outs));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", label_, e.what()), e.status());
  }
  return std::move(graph_);
}

// ------------------------------------------------------------------------------ nodes
void Importer::convert_node(const ::onnx::NodeProto& n) {
  node_ = &n;
  const std::string domain = n.domain().empty() ? "ai.onnx" : n.domain();
  node_label_ =
      fmt::format("node '{}' (op {}, domain {}, opset {})", n.name(), n.op_type(), domain, opset_);
  node_new_values_.clear();
  try {
    if (domain != "ai.onnx")
      throw Error(
          fmt::format("unsupported op '{}' from domain '{}' (only the default ONNX "
                      "domain is supported)",
                      n.op_type(), domain));
    if (n.op_type() == "If") {
      const Tensor& cond = const_input(0, "condition");
      if (cond.numel() != 1 || (cond.dtype() != DType::Bool && !is_integer(cond.dtype())))
        fail("the condition must be one bool");
      const bool taken = cond.dtype() == DType::Bool ? *cond.data_as<uint8_t>() != 0 : true;
      const ::onnx::AttributeProto* branch = attr(taken ? "then_branch" : "else_branch");
      if (!branch || !branch->has_g()) fail("missing branch subgraph");
      const ::onnx::NodeProto* self = node_;
      const std::string self_label = node_label_;
      std::vector<Ref> outs = inline_graph(branch->g());
      node_ = self;
      node_label_ = self_label;
      if (outs.size() != static_cast<size_t>(n.output_size()))
        fail(fmt::format("branch yields {} values for {} outputs", outs.size(), n.output_size()));
      for (size_t i = 0; i < outs.size(); ++i) set_output(i, outs[i]);
    } else {
      const Converter* conv = find_converter(n.op_type());
      if (!conv) throw Error(fmt::format("unsupported op '{}'", n.op_type()));
      (*conv)(*this);
    }
    for (int i = 0; i < n.output_size(); ++i)
      if (!n.output(i).empty() && !values_.count(n.output(i)))
        fail(fmt::format("output {} '{}' is not supported by the importer", i, n.output(i)));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", node_label_, e.what()), e.status());
  }
}

std::vector<Ref> Importer::inline_graph(const ::onnx::GraphProto& g) {
  for (const auto& init : g.initializer())
    values_[init.name()] = constant(tensor_from_proto(init, *external_), init.name());
  for (const auto& n : g.node()) convert_node(n);
  std::vector<Ref> outs;
  for (const auto& o : g.output()) outs.push_back(lookup(o.name()));
  return outs;
}

void Importer::fail(const std::string& msg) const {
  throw Error(msg);
}

Ref Importer::lookup(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end())
    throw Error(
        fmt::format("value '{}' is defined by no earlier node, input or initializer", name));
  return it->second;
}

size_t Importer::num_inputs() const {
  return static_cast<size_t>(node_->input_size());
}

bool Importer::has_input(size_t i) const {
  return i < num_inputs() && !node_->input(static_cast<int>(i)).empty();
}

Ref Importer::input(size_t i) const {
  if (!has_input(i)) fail(fmt::format("required input {} is missing", i));
  return lookup(node_->input(static_cast<int>(i)));
}

ir::TensorType Importer::type(const Ref& r) const {
  if (r.data) return {r.data->dtype(), r.data->shape()};
  return graph_.value(r.id).type;
}

const Tensor& Importer::const_input(size_t i, const char* what) const {
  Ref r = input(i);
  if (!r.data)
    fail(
        fmt::format("input {} ({}) '{}' is computed at run time; it must fold to a constant "
                    "so the shape can be made static",
                    i, what, node_->input(static_cast<int>(i))));
  return *r.data;
}

std::vector<int64_t> Importer::ints_input(size_t i, const char* what) const {
  const Tensor& t = const_input(i, what);
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::I64)
    for (size_t k = 0; k < out.size(); ++k) out[k] = t.data_as<int64_t>()[k];
  else if (t.dtype() == DType::I32)
    for (size_t k = 0; k < out.size(); ++k) out[k] = t.data_as<int32_t>()[k];
  else
    fail(fmt::format("input {} ({}) has dtype {}, expected int64", i, what, dtype_name(t.dtype())));
  return out;
}

size_t Importer::num_outputs() const {
  return static_cast<size_t>(node_->output_size());
}

void Importer::set_output(size_t i, Ref r) {
  if (i >= num_outputs()) return;
  const std::string& name = node_->output(static_cast<int>(i));
  if (name.empty()) return;
  // A value made by this very node takes the ONNX output's name, so graph outputs keep theirs.
  if (!r.data && r.id != ir::kNoValue) {
    for (ir::ValueId& v : node_new_values_) {
      if (v != r.id) continue;
      graph_.mutable_value(v).name = unique_name(name);
      v = ir::kNoValue;  // renamed once
      break;
    }
  }
  r.name = name;
  values_[name] = std::move(r);
}

// ------------------------------------------------------------------------------ attributes
const ::onnx::AttributeProto* Importer::attr(const std::string& name) const {
  for (const auto& a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

namespace {
void expect_type(const ::onnx::AttributeProto& a, ::onnx::AttributeProto::AttributeType t) {
  if (a.type() != t && a.type() != ::onnx::AttributeProto::UNDEFINED)
    throw Error(fmt::format("attribute '{}' has type {}, expected {}", a.name(),
                            ::onnx::AttributeProto::AttributeType_Name(a.type()),
                            ::onnx::AttributeProto::AttributeType_Name(t)));
}
}  // namespace

int64_t Importer::attr_int(const std::string& name, int64_t fallback) const {
  const auto* a = attr(name);
  if (!a) return fallback;
  expect_type(*a, ::onnx::AttributeProto::INT);
  return a->i();
}

double Importer::attr_float(const std::string& name, double fallback) const {
  const auto* a = attr(name);
  if (!a) return fallback;
  expect_type(*a, ::onnx::AttributeProto::FLOAT);
  return a->f();
}

std::string Importer::attr_string(const std::string& name, const std::string& fallback) const {
  const auto* a = attr(name);
  if (!a) return fallback;
  expect_type(*a, ::onnx::AttributeProto::STRING);
  return a->s();
}

std::vector<int64_t> Importer::attr_ints(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return {};
  expect_type(*a, ::onnx::AttributeProto::INTS);
  return {a->ints().begin(), a->ints().end()};
}

std::vector<float> Importer::attr_floats(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return {};
  expect_type(*a, ::onnx::AttributeProto::FLOATS);
  return {a->floats().begin(), a->floats().end()};
}

Tensor Importer::attr_tensor(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) fail(fmt::format("missing attribute '{}'", name));
  expect_type(*a, ::onnx::AttributeProto::TENSOR);
  return tensor_from_proto(a->t(), *external_);
}

// ------------------------------------------------------------------------------ emitting
Ref Importer::constant(Tensor t, const std::string& name) const {
  Ref r;
  r.data = std::make_shared<const Tensor>(std::move(t));
  r.name = name;
  return r;
}

ir::ValueId Importer::materialize(const Ref& r) {
  if (r.id != ir::kNoValue) return r.id;
  if (!r.data) throw Error("internal: materializing an absent value");
  auto it = materialized_.find(r.data.get());
  if (it != materialized_.end()) return it->second.second;
  // The graph shares the importer's data (no copy of the weights).
  const ir::ValueId id = graph_.add_constant_placeholder(
      unique_name(r.name.empty() ? "const" : r.name), {r.data->dtype(), r.data->shape()});
  graph_.mutable_value(id).data = r.data;
  materialized_[r.data.get()] = {r.data, id};
  return id;
}

std::vector<Ref> Importer::emit_n(ir::OpKind op, const std::vector<Ref>& inputs,
                                  ir::Attributes attrs, size_t num_outputs) {
  std::vector<ir::InferInput> infer;
  bool all_const = true;
  for (const Ref& r : inputs) {
    if (!r.present()) {
      infer.push_back({"", std::nullopt});
      continue;
    }
    infer.push_back({r.name, type(r)});
    all_const = all_const && r.is_const();
  }
  const std::vector<ir::TensorType> types = ir::infer_types(op, attrs, infer, num_outputs);
  // Dims so large that strides overflow (possible with zero-size tensors) are refused.
  auto guard = [](const Shape& s) {
    Shape nonzero;
    for (int64_t d : s) nonzero.push_back(std::max<int64_t>(d, 1));
    checked_numel(nonzero, "shape");
  };
  for (const ir::InferInput& in : infer)
    if (in.type) guard(in.type->shape);
  for (const ir::TensorType& t : types) guard(t.shape);
  const std::string base =
      node_ ? (node_->name().empty() ? node_->op_type() : node_->name()) : std::string("onnx");
  ++emitted_;
  // Dequantize stays in the graph so int8 weights keep their QDQ form for the devices; results
  // past the folding limit stay in the graph too.
  bool fold = all_const && op != ir::OpKind::DequantizeLinear;
  for (const ir::TensorType& t : types) {
    int64_t n = 1;
    for (int64_t d : t.shape)
      n = (d != 0 && n > kMaxFoldedElements / d) ? kMaxFoldedElements + 1 : n * d;
    fold = fold && n <= kMaxFoldedElements;
  }
  if (fold) {
    ir::Node n{base, op, {}, {}, attrs};
    ir::NodeOperands io;
    for (const Ref& r : inputs) {
      io.in_types.push_back(nullptr);
      io.in.push_back(r.present() ? r.data->aligned_data() : nullptr);
    }
    std::vector<ir::TensorType> in_types(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].present()) {
        in_types[i] = type(inputs[i]);
        io.in_types[i] = &in_types[i];
      }
    std::vector<Tensor> outs;
    for (const ir::TensorType& t : types) outs.emplace_back(t.dtype, t.shape);
    for (size_t i = 0; i < outs.size(); ++i) {
      io.out_types.push_back(&types[i]);
      io.out.push_back(outs[i].data());
    }
    ir::run_reference_node(n, io);
    std::vector<Ref> refs;
    for (Tensor& t : outs) refs.push_back(constant(std::move(t), base));
    return refs;
  }
  ir::Node n;
  n.name = unique_name(base);
  n.op = op;
  n.attrs = std::move(attrs);
  for (const Ref& r : inputs) n.inputs.push_back(r.present() ? materialize(r) : ir::kNoValue);
  std::vector<Ref> refs;
  for (const ir::TensorType& t : types) {
    Ref r;
    r.id = graph_.add_value(unique_name(fmt::format("{}/{}", base, ir::op_name(op))), t);
    node_new_values_.push_back(r.id);
    n.outputs.push_back(r.id);
    refs.push_back(r);
  }
  graph_.add_node(std::move(n));
  return refs;
}

}  // namespace nuri::onnx
