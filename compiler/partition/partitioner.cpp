#include "compiler/partition/partitioner.h"

#include <fmt/format.h>

#include <set>

#include "nuri/error.hpp"

namespace nuri::ir {

PartitionPlan partition_graph(const Graph& graph, const std::vector<PartitionTarget>& targets,
                              const PartitionOptions& options) {
  if (targets.empty()) throw Error("partition: no devices to place the graph on");
  PartitionPlan plan;
  plan.target_of_node.assign(graph.nodes().size(), -1);
  plan.reason_of_node.assign(graph.nodes().size(), "");
  for (NodeId id : graph.topo_order()) {
    const Node& n = graph.node(id);
    std::vector<int> capable;
    std::vector<std::string> refused;
    for (size_t t = 0; t < targets.size(); ++t) {
      if (targets[t].supports(id))
        capable.push_back(static_cast<int>(t));
      else
        refused.push_back(targets[t].name);
    }
    if (options.strict && (capable.empty() || capable.front() != 0))
      throw Error(fmt::format("strict placement: device '{}' does not support node '{}' ({}) "
                              "and fallback is disabled",
                              targets[0].name, n.name, op_name(n.op)),
                  NURI_ERROR_UNSUPPORTED);
    if (capable.empty())
      throw Error(fmt::format("no device supports node '{}' ({}); tried {}", n.name, op_name(n.op),
                              fmt::join(refused, ", ")),
                  NURI_ERROR_UNSUPPORTED);
    // Among capable devices, the cheapest estimate wins; without estimates, priority order.
    int chosen = capable.front();
    std::optional<double> best;
    std::vector<std::string> costs;
    for (int t : capable) {
      std::optional<double> c =
          targets[t].cost_seconds ? targets[t].cost_seconds(id) : std::nullopt;
      if (c) costs.push_back(fmt::format("{} {:.3g} us", targets[t].name, *c * 1e6));
      if (c && (!best || *c < *best)) {
        best = c;
        chosen = t;
      }
    }
    std::vector<std::string> why;
    if (!refused.empty()) why.push_back(fmt::format("unsupported on {}", fmt::join(refused, ", ")));
    if (costs.size() > 1)
      why.push_back(fmt::format("cheapest estimate ({})", fmt::join(costs, ", ")));
    else if (capable.size() > 1)
      why.push_back("first capable device in priority order");
    if (why.empty()) why.push_back("supported");
    const std::string reason = fmt::format("{}", fmt::join(why, "; "));
    plan.target_of_node[id] = chosen;
    plan.reason_of_node[id] = reason;
    if (plan.partitions.empty() || plan.partitions.back().target != chosen)
      plan.partitions.push_back({chosen, {}});
    plan.partitions.back().nodes.push_back(id);
  }
  // Transfers: a value produced on one device and read on another.
  const std::vector<NodeId> producer = graph.producers();
  std::set<std::pair<ValueId, int>> crossing;
  for (size_t id = 0; id < graph.nodes().size(); ++id)
    for (ValueId in : graph.nodes()[id].inputs) {
      if (in == kNoValue || producer[in] < 0) continue;
      if (plan.target_of_node[producer[in]] != plan.target_of_node[id])
        crossing.insert({in, plan.target_of_node[id]});
    }
  plan.transfers = static_cast<int64_t>(crossing.size());
  for (const auto& [v, t] : crossing) plan.transfer_bytes += graph.value(v).type.nbytes();
  return plan;
}

Graph extract_partition(const Graph& graph, const std::vector<NodeId>& nodes,
                        const std::string& name) {
  std::vector<bool> inside(graph.nodes().size(), false);
  for (NodeId id : nodes) inside[id] = true;
  std::vector<bool> produced(graph.values().size(), false);
  for (NodeId id : nodes)
    for (ValueId out : graph.node(id).outputs) produced[out] = true;
  std::vector<bool> needed_outside(graph.values().size(), false);
  for (ValueId out : graph.outputs()) needed_outside[out] = true;
  for (size_t id = 0; id < graph.nodes().size(); ++id)
    if (!inside[id])
      for (ValueId in : graph.nodes()[id].inputs)
        if (in != kNoValue) needed_outside[in] = true;

  Graph part(name);
  std::vector<ValueId> remap(graph.values().size(), kNoValue);
  const auto map_value = [&](ValueId v) {
    if (v == kNoValue || remap[v] != kNoValue) return v == kNoValue ? kNoValue : remap[v];
    const Value& val = graph.value(v);
    if (val.kind == ValueKind::Constant) {
      remap[v] = part.add_value(val.name, val.type);
      Value& c = part.mutable_value(remap[v]);
      c.kind = ValueKind::Constant;
      c.data = val.data;  // shared, not copied
    } else if (!produced[v]) {
      remap[v] = part.add_input(val.name, val.type);
    } else {
      remap[v] = part.add_value(val.name, val.type);
    }
    return remap[v];
  };
  std::vector<ValueId> outputs;
  for (NodeId id : nodes) {
    const Node& n = graph.node(id);
    Node copy = n;
    for (ValueId& in : copy.inputs) in = map_value(in);
    for (ValueId& out : copy.outputs) {
      const ValueId original = out;
      out = map_value(out);
      if (needed_outside[original]) outputs.push_back(out);
    }
    part.add_node(std::move(copy));
  }
  part.set_outputs(outputs);
  return part;
}

}  // namespace nuri::ir
