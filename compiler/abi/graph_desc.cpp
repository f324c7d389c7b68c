#include "compiler/abi/graph_desc.h"

#include <fmt/format.h>

#include <cstring>

#include "compiler/ir/shape_inference.h"
#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::ir {

GraphDesc::GraphDesc(const Graph& graph, ConstantAlignment alignment) {
  const auto str = [&](const std::string& s) { return strings_.emplace_back(s).c_str(); };
  for (const Value& v : graph.values()) {
    nuri_value_desc d{};
    d.struct_size = sizeof(d);
    d.name = str(v.name);
    d.dtype = static_cast<nuri_dtype>(v.type.dtype);
    d.rank = static_cast<int32_t>(v.type.shape.size());
    d.dims = ints_.emplace_back(v.type.shape).data();
    d.kind = v.kind == ValueKind::Input      ? NURI_VALUE_INPUT
             : v.kind == ValueKind::Constant ? NURI_VALUE_CONSTANT
                                             : NURI_VALUE_INTERMEDIATE;
    if (v.data) {
      keep_alive_.push_back(v.data);
      d.data = v.data->data();
    }
    nuri_value_desc& stored = values_.emplace_back(d);
    if (v.data && alignment == ConstantAlignment::ElementSize && !v.data->is_aligned()) {
      Tensor copy(v.data->dtype(), v.data->shape());
      if (copy.nbytes()) std::memcpy(copy.data(), v.data->bytes(), copy.nbytes());
      aligned_copy_bytes_ += copy.nbytes();
      stored.data = copy.data();
      aligned_copies_.push_back({&stored, d.data, std::move(copy)});
    }
    value_ptrs_.push_back(&stored);
  }
  const std::vector<NodeId> order = graph.topo_order();
  index_of_node_.assign(graph.nodes().size(), 0);
  for (NodeId id : order) {
    const Node& n = graph.node(id);
    index_of_node_[id] = nodes_.size();
    nuri_node_desc d{};
    d.struct_size = sizeof(d);
    d.name = str(n.name);
    d.op = str(std::string(op_name(n.op)));
    auto& in = ids_.emplace_back(n.inputs.begin(), n.inputs.end());
    auto& out = ids_.emplace_back(n.outputs.begin(), n.outputs.end());
    d.inputs = in.data();
    d.num_inputs = in.size();
    d.outputs = out.data();
    d.num_outputs = out.size();
    auto& attrs = attr_lists_.emplace_back();
    for (const auto& [name, value] : n.attrs.all()) {
      nuri_attr a{};
      a.struct_size = sizeof(a);
      a.name = str(name);
      if (const auto* i = std::get_if<int64_t>(&value)) {
        a.type = NURI_ATTR_INT;
        a.i = *i;
      } else if (const auto* f = std::get_if<double>(&value)) {
        a.type = NURI_ATTR_FLOAT;
        a.f = *f;
      } else if (const auto* s = std::get_if<std::string>(&value)) {
        a.type = NURI_ATTR_STRING;
        a.s = str(*s);
      } else if (const auto* is = std::get_if<std::vector<int64_t>>(&value)) {
        a.type = NURI_ATTR_INTS;
        a.ints = ints_.emplace_back(*is).data();
        a.count = is->size();
      } else {
        const auto& fs = std::get<std::vector<double>>(value);
        a.type = NURI_ATTR_FLOATS;
        a.floats = floats_.emplace_back(fs).data();
        a.count = fs.size();
      }
      attrs.push_back(&attrs_.emplace_back(a));
    }
    d.attrs = attrs.data();
    d.num_attrs = attrs.size();
    node_ptrs_.push_back(&nodes_.emplace_back(d));
  }
  const auto& gin = ids_.emplace_back(graph.inputs().begin(), graph.inputs().end());
  const auto& gout = ids_.emplace_back(graph.outputs().begin(), graph.outputs().end());
  desc_.struct_size = sizeof(desc_);
  desc_.name = str(graph.name());
  desc_.values = value_ptrs_.data();
  desc_.num_values = value_ptrs_.size();
  desc_.nodes = node_ptrs_.data();
  desc_.num_nodes = node_ptrs_.size();
  desc_.inputs = gin.data();
  desc_.num_inputs = gin.size();
  desc_.outputs = gout.data();
  desc_.num_outputs = gout.size();
}

void GraphDesc::release_aligned_copies() {
  for (AlignedCopy& c : aligned_copies_) c.value->data = c.original;
  aligned_copies_.clear();
}

namespace {

TensorType value_type(const nuri_value_desc& v) {
  if (v.dtype < 0 || v.dtype >= NURI_DTYPE_COUNT_)
    throw Error(fmt::format("value '{}' has unknown dtype {}", v.name ? v.name : "?",
                            static_cast<int>(v.dtype)));
  if (v.rank < 0 || (v.rank > 0 && !v.dims))
    throw Error(fmt::format("value '{}' has a bad rank", v.name ? v.name : "?"));
  return {static_cast<DType>(v.dtype), Shape(v.dims, v.dims + v.rank)};
}

Attributes attrs_from(const nuri_node_desc& n) {
  Attributes attrs;
  for (size_t i = 0; i < n.num_attrs; ++i) {
    if (!n.attrs[i]) throw Error(fmt::format("node '{}': attribute {} is null", n.name, i));
    const nuri_attr& a = *n.attrs[i];
    switch (a.type) {
      case NURI_ATTR_INT:
        attrs.set(a.name, a.i);
        break;
      case NURI_ATTR_FLOAT:
        attrs.set(a.name, a.f);
        break;
      case NURI_ATTR_STRING:
        attrs.set(a.name, std::string(a.s ? a.s : ""));
        break;
      case NURI_ATTR_INTS:
        attrs.set(a.name, std::vector<int64_t>(a.ints, a.ints + a.count));
        break;
      case NURI_ATTR_FLOATS:
        attrs.set(a.name, std::vector<double>(a.floats, a.floats + a.count));
        break;
      default:
        throw Error(fmt::format("node '{}': attribute '{}' has unknown type", n.name, a.name));
    }
  }
  return attrs;
}

std::vector<ValueId> ids_from(const int32_t* ids, size_t n, size_t num_values, const char* node,
                              bool allow_absent) {
  std::vector<ValueId> out;
  for (size_t i = 0; i < n; ++i) {
    const int32_t id = ids[i];
    if ((id == kNoValue && allow_absent) || (id >= 0 && static_cast<size_t>(id) < num_values)) {
      out.push_back(id);
      continue;
    }
    throw Error(fmt::format("node '{}': value index {} out of range", node ? node : "?", id));
  }
  return out;
}

}  // namespace

Graph graph_from_desc(const nuri_graph_desc* d, ConstantData constants) {
  if (!d || d->struct_size < sizeof(nuri_graph_desc))
    throw Error("graph desc is null or from an older ABI");
  Graph g(d->name ? d->name : "partition");
  const auto value_name = [&](size_t i) {
    return d->values[i]->name ? std::string(d->values[i]->name) : fmt::format("v{}", i);
  };
  // Inputs first, in the desc's order, so g.inputs() matches execute's input buffers.
  std::vector<ValueId> remap(d->num_values, kNoValue);
  for (ValueId id : ids_from(d->inputs, d->num_inputs, d->num_values, "inputs", false))
    remap[id] = g.add_input(value_name(id), value_type(*d->values[id]));
  for (size_t i = 0; i < d->num_values; ++i) {
    if (remap[i] != kNoValue) continue;
    const nuri_value_desc& v = *d->values[i];
    const TensorType t = value_type(v);
    if (v.kind == NURI_VALUE_CONSTANT && v.data && constants == ConstantData::Borrow) {
      remap[i] = g.add_constant(value_name(i), Tensor::view(t.dtype, t.shape, v.data, nullptr));
    } else if (v.kind == NURI_VALUE_CONSTANT && v.data) {
      Tensor data(t.dtype, t.shape);
      std::memcpy(data.data(), v.data, data.nbytes());
      remap[i] = g.add_constant(value_name(i), std::move(data));
    } else if (v.kind == NURI_VALUE_CONSTANT) {
      remap[i] = g.add_constant_placeholder(value_name(i), t);
    } else {
      remap[i] = g.add_value(value_name(i), t);
    }
  }
  const auto mapped = [&](std::vector<ValueId> ids) {
    for (ValueId& id : ids)
      if (id != kNoValue) id = remap[id];
    return ids;
  };
  for (size_t i = 0; i < d->num_nodes; ++i) {
    const nuri_node_desc& n = *d->nodes[i];
    const auto op = parse_op(n.op ? n.op : "");
    if (!op)
      throw Error(
          fmt::format("node '{}': unknown op '{}'", n.name ? n.name : "?", n.op ? n.op : ""),
          NURI_ERROR_UNSUPPORTED);
    g.add_node({n.name ? n.name : fmt::format("n{}", i), *op,
                mapped(ids_from(n.inputs, n.num_inputs, d->num_values, n.name, true)),
                mapped(ids_from(n.outputs, n.num_outputs, d->num_values, n.name, false)),
                attrs_from(n)});
  }
  g.set_outputs(mapped(ids_from(d->outputs, d->num_outputs, d->num_values, "outputs", false)));
  verify(g);
  return g;
}

Graph node_graph_from_desc(const nuri_graph_desc* d, size_t index) {
  if (!d || index >= d->num_nodes) throw Error("node index out of range");
  const nuri_node_desc& n = *d->nodes[index];
  const auto op = parse_op(n.op ? n.op : "");
  if (!op) throw Error(fmt::format("unknown op '{}'", n.op ? n.op : ""), NURI_ERROR_UNSUPPORTED);
  Graph g(n.name ? n.name : "node");
  std::vector<ValueId> ins, outs;
  for (ValueId id : ids_from(n.inputs, n.num_inputs, d->num_values, n.name, true)) {
    if (id == kNoValue) {
      ins.push_back(kNoValue);
      continue;
    }
    const nuri_value_desc& v = *d->values[id];
    ins.push_back(
        g.add_input(fmt::format("in{}_{}", ins.size(), v.name ? v.name : ""), value_type(v)));
  }
  for (ValueId id : ids_from(n.outputs, n.num_outputs, d->num_values, n.name, false))
    outs.push_back(g.add_value(fmt::format("out{}", outs.size()), value_type(*d->values[id])));
  g.add_node({n.name ? n.name : "node", *op, ins, outs, attrs_from(n)});
  g.set_outputs(outs);
  return g;
}

void check_node_desc(const nuri_graph_desc* desc, size_t index) {
  Graph g = node_graph_from_desc(desc, index);
  infer_node_types(g, g.nodes().front());
}

std::string missing_constant_data(const nuri_graph_desc* desc, size_t index) {
  if (!desc || index >= desc->num_nodes) return "no such node";
  const nuri_node_desc& n = *desc->nodes[index];
  for (size_t i = 0; i < n.num_inputs; ++i) {
    const int32_t id = n.inputs[i];
    if (id < 0 || static_cast<size_t>(id) >= desc->num_values) continue;
    const nuri_value_desc& v = *desc->values[id];
    if (v.kind == NURI_VALUE_CONSTANT && !v.data)
      return fmt::format("constant '{}' has no data (a timing-only graph)", v.name ? v.name : "?");
  }
  return "";
}

}  // namespace nuri::ir
