// The `pim` device's capability query and cost estimate: both compile the node alone, timing
// only, with the device's own codegen (PimProgram), so what the device claims and what it
// compiles cannot disagree; a decline's reason is the compile error's text.
#include <exception>

#include "compiler/abi/graph_desc.h"
#include "devices/pim/pim_program.h"
#include "nuri/error.hpp"

namespace nuri::pim {
namespace {

// Node `index` of `desc` alone as a graph: constant inputs become data-less constants (a timing
// run needs no weights), every other input a graph input.
ir::Graph single_node_graph(const nuri_graph_desc* desc, size_t index) {
  ir::Graph one = ir::node_graph_from_desc(desc, index);
  ir::Graph g(one.name());
  std::vector<ir::ValueId> map(one.values().size(), ir::kNoValue);
  const ir::Node& n = one.nodes().front();
  const nuri_node_desc& nd = *desc->nodes[index];
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ir::ValueId v = n.inputs[i];
    if (v == ir::kNoValue) continue;
    const ir::Value& val = one.value(v);
    const bool weight =
        nd.inputs[i] >= 0 && desc->values[nd.inputs[i]]->kind == NURI_VALUE_CONSTANT;
    map[size_t(v)] =
        weight ? g.add_constant_placeholder(val.name, val.type) : g.add_input(val.name, val.type);
  }
  ir::Node copy = n;
  for (auto& v : copy.inputs)
    if (v != ir::kNoValue) v = map[size_t(v)];
  std::vector<ir::ValueId> outs;
  for (auto& v : copy.outputs) {
    v = g.add_value(one.value(v).name, one.value(v).type);
    outs.push_back(v);
  }
  g.add_node(copy);
  g.set_outputs(outs);
  return g;
}

PimDeviceOptions timing_only(const PimDeviceOptions& opt) {
  PimDeviceOptions t = opt;
  t.timing_only = true;
  return t;
}

}  // namespace

std::string pim_unsupported_reason(const PimDeviceOptions& opt, const nuri_graph_desc* g,
                                   size_t index) {
  if (!g || index >= g->num_nodes) return "no such node";
  ir::check_node_desc(g, index);
  PimDeviceOptions check = timing_only(opt);
  check.dry_run = true;  // every check and layout, no timing simulation
  try {
    PimProgram dry_run(single_node_graph(g, index), check);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

double pim_estimate_seconds(const PimDeviceOptions& opt, const nuri_graph_desc* desc,
                            size_t index) {
  PimProgram program(single_node_graph(desc, index), timing_only(opt));
  return program.ns() * 1e-9;
}

}  // namespace nuri::pim
