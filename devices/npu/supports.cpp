// The NPU's capability query: the codegen's own lowering of the node, run dry (codegen.cpp), so
// what the query accepts compiles and what it refuses comes with the lowering's reason.
#include <fmt/format.h>

#include "compiler/abi/graph_desc.h"
#include "devices/npu/codegen.h"
#include "nuri/error.hpp"

namespace nuri::npu {

namespace {

// The node alone: constants stay constants (weight-less: the dry run reads no data), every
// other operand becomes a graph input, as it is at a partition boundary.
ir::Graph node_graph(const nuri_graph_desc* desc, size_t index) {
  const ir::Graph full = ir::node_graph_from_desc(desc, index);  // types and attributes
  const ir::Node& node = full.nodes().front();
  const nuri_node_desc& nd = *desc->nodes[index];
  ir::Graph g(full.name());
  ir::Node n = node;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (n.inputs[i] == ir::kNoValue) continue;
    const ir::Value& v = full.value(n.inputs[i]);
    n.inputs[i] = desc->values[nd.inputs[i]]->kind == NURI_VALUE_CONSTANT
                      ? g.add_constant_placeholder(v.name, v.type)
                      : g.add_input(v.name, v.type);
  }
  for (ir::ValueId& o : n.outputs) o = g.add_value(full.value(o).name, full.value(o).type);
  std::vector<ir::ValueId> outs = n.outputs;
  g.add_node(std::move(n));
  g.set_outputs(std::move(outs));
  return g;
}

}  // namespace

std::string unsupported_reason(const nuri_graph_desc* desc, size_t index, const sim::NpuConfig& cfg,
                               bool functional) {
  if (!desc || index >= desc->num_nodes) return "no such node";
  if (functional)
    if (std::string why = ir::missing_constant_data(desc, index); !why.empty())
      return why + "; the npu computes it only with timing_only=1";
  std::string why = lowering_refusal(node_graph(desc, index), cfg);
  // The placement report already says which device declined.
  if (why.rfind("npu: ", 0) == 0) why.erase(0, 5);
  return why;
}

}  // namespace nuri::npu
