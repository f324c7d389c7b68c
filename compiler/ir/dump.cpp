#include "compiler/ir/dump.h"

#include <fmt/format.h>

namespace nuri::ir {

std::string dump(const Graph& graph) {
  std::string out = fmt::format("graph {} {{\n", graph.name());
  for (ValueId id : graph.inputs()) {
    const Value& v = graph.value(id);
    out += fmt::format("  input %{}: {}\n", v.name, type_str(v.type));
  }
  for (const Value& v : graph.values()) {
    if (v.kind != ValueKind::Constant) continue;
    out += fmt::format("  const %{}: {}{}\n", v.name, type_str(v.type), v.data ? "" : " (no data)");
  }
  for (NodeId id : graph.topo_order()) {
    const Node& n = graph.node(id);
    std::vector<std::string> outs, ins, attrs;
    for (ValueId o : n.outputs)
      outs.push_back(fmt::format("%{}: {}", graph.value(o).name, type_str(graph.value(o).type)));
    for (ValueId i : n.inputs) ins.push_back(i == kNoValue ? "_" : "%" + graph.value(i).name);
    for (const auto& [k, v] : n.attrs.all()) attrs.push_back(k + "=" + attr_to_string(v));
    out += fmt::format("  {} = {}({})", fmt::join(outs, ", "), op_name(n.op), fmt::join(ins, ", "));
    if (!attrs.empty()) out += fmt::format(" {{{}}}", fmt::join(attrs, ", "));
    if (n.name != graph.value(n.outputs.front()).name) out += fmt::format("  # {}", n.name);
    out += "\n";
  }
  std::vector<std::string> outs;
  for (ValueId o : graph.outputs()) outs.push_back("%" + graph.value(o).name);
  out += fmt::format("  return {}\n}}\n", fmt::join(outs, ", "));
  return out;
}

}  // namespace nuri::ir
