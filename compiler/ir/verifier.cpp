#include "compiler/ir/verifier.h"

#include <fmt/format.h>

#include <unordered_set>

#include "compiler/ir/shape_inference.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

std::string node_label(const Node& n) {
  return fmt::format("node '{}' ({})", n.name, op_name(n.op));
}

void check_definitions(const Graph& g) {
  std::vector<std::string> defined_by(g.values().size());
  for (size_t i = 0; i < g.values().size(); ++i) {
    const Value& v = g.values()[i];
    if (v.kind == ValueKind::Input) defined_by[i] = "a graph input";
    if (v.kind == ValueKind::Constant) {
      defined_by[i] = "a constant";
      if (v.data && (v.data->dtype() != v.type.dtype || v.data->shape() != v.type.shape))
        throw Error(fmt::format("constant '{}' holds {}{} but is typed {}", v.name,
                                dtype_name(v.data->dtype()), shape_str(v.data->shape()),
                                type_str(v.type)));
    }
  }
  for (const Node& n : g.nodes()) {
    for (ValueId out : n.outputs) {
      if (out < 0 || static_cast<size_t>(out) >= g.values().size())
        throw Error(fmt::format("{}: output id {} does not exist", node_label(n), out));
      const Value& v = g.values()[out];
      if (!defined_by[out].empty())
        throw Error(fmt::format("value '{}' is defined twice: by {} and by {}", v.name,
                                defined_by[out], node_label(n)));
      defined_by[out] = node_label(n);
    }
  }
  for (ValueId out : g.outputs()) {
    const Value& v = g.value(out);
    if (defined_by[out].empty())
      throw Error(fmt::format("graph output '{}' is produced by no node (dangling)", v.name));
  }
  std::unordered_set<std::string> names;
  for (const Value& v : g.values())
    if (!v.name.empty() && !names.insert(v.name).second)
      throw Error(fmt::format("two values are named '{}'", v.name));
}

}  // namespace

void verify(const Graph& graph) {
  check_definitions(graph);
  const std::vector<NodeId> order = graph.topo_order();  // dangling inputs and cycles
  for (NodeId id : order) {
    const Node& n = graph.node(id);
    const std::vector<TensorType> inferred = infer_node_types(graph, n);
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      const Value& v = graph.value(n.outputs[i]);
      if (v.type != inferred[i])
        throw Error(fmt::format("{}: output {} '{}' is recorded as {} but the op produces {}",
                                node_label(n), i, v.name, type_str(v.type), type_str(inferred[i])));
    }
  }
}

}  // namespace nuri::ir
