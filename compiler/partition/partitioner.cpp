#include "compiler/partition/partitioner.h"

#include <fmt/format.h>

#include <set>

#include "nuri/error.hpp"

namespace nuri::ir {

PlacementPolicy parse_placement_policy(const std::string& name) {
  if (name == "priority") return PlacementPolicy::Priority;
  if (name == "cost") return PlacementPolicy::Cost;
  throw Error(fmt::format("unknown placement policy '{}' (expected priority or cost)", name),
              NURI_ERROR_INVALID_ARGUMENT);
}

namespace {

// Cost policy: the target's estimate plus moving the node's inputs that live elsewhere.
struct Priced {
  int target = -1;
  std::optional<double> seconds;
};

Priced cheapest(const Graph& graph, NodeId id, const std::vector<PartitionTarget>& targets,
                const std::vector<int>& capable, const std::vector<int>& target_of_node,
                const std::vector<NodeId>& producer, const PartitionOptions& options,
                std::vector<std::string>* notes) {
  Priced best;
  for (int t : capable) {
    std::optional<double> c = targets[t].cost_seconds ? targets[t].cost_seconds(id) : std::nullopt;
    if (!c) {
      notes->push_back(fmt::format("{} no estimate", targets[t].name));
      continue;
    }
    double moved = 0;
    for (ValueId in : graph.node(id).inputs)
      if (in != kNoValue && producer[in] >= 0 && target_of_node[producer[in]] != t)
        moved += static_cast<double>(graph.value(in).type.nbytes());
    const double total = *c + moved / options.transfer_bytes_per_s;
    notes->push_back(moved > 0 ? fmt::format("{} {:.3g} us + {:.3g} us transfer", targets[t].name,
                                             *c * 1e6, moved / options.transfer_bytes_per_s * 1e6)
                               : fmt::format("{} {:.3g} us", targets[t].name, *c * 1e6));
    if (!best.seconds || total < *best.seconds) best = {t, total};
  }
  return best;
}

}  // namespace

PartitionPlan partition_graph(const Graph& graph, const std::vector<PartitionTarget>& targets,
                              const PartitionOptions& options) {
  if (targets.empty()) throw Error("partition: no devices to place the graph on");
  PartitionPlan plan;
  plan.target_of_node.assign(graph.nodes().size(), -1);
  plan.reason_of_node.assign(graph.nodes().size(), "");
  const std::vector<NodeId> producer = graph.producers();
  for (NodeId id : graph.topo_order()) {
    const Node& n = graph.node(id);
    std::vector<int> capable;
    std::vector<std::string> refused;  // "device: why", in the device's words
    for (size_t t = 0; t < targets.size(); ++t) {
      const Capability c = targets[t].query(id);
      if (c.supported)
        capable.push_back(static_cast<int>(t));
      else
        refused.push_back(c.reason.empty() ? fmt::format("{}: declined", targets[t].name)
                                           : fmt::format("{}: {}", targets[t].name, c.reason));
    }
    if (options.strict && (capable.empty() || capable.front() != 0))
      throw Error(fmt::format("strict placement: device '{}' does not support node '{}' ({}) "
                              "and fallback is disabled ({})",
                              targets[0].name, n.name, op_name(n.op), fmt::join(refused, "; ")),
                  NURI_ERROR_UNSUPPORTED);
    if (capable.empty())
      throw Error(fmt::format("no device supports node '{}' ({}); tried {}", n.name, op_name(n.op),
                              fmt::join(refused, "; ")),
                  NURI_ERROR_UNSUPPORTED);
    int chosen = capable.front();
    std::vector<std::string> why;
    if (options.policy == PlacementPolicy::Cost && capable.size() > 1) {
      std::vector<std::string> notes;
      const Priced best =
          cheapest(graph, id, targets, capable, plan.target_of_node, producer, options, &notes);
      if (best.target >= 0) {
        chosen = best.target;
        why.push_back(fmt::format("cheapest ({})", fmt::join(notes, ", ")));
      } else {
        why.push_back("first capable in priority order (no estimates)");
      }
    } else if (capable.size() > 1) {
      why.push_back("first capable in priority order");
    } else {
      why.push_back("only capable device");
    }
    if (!refused.empty()) why.push_back(fmt::format("declined by {}", fmt::join(refused, "; ")));
    plan.target_of_node[id] = chosen;
    plan.reason_of_node[id] = fmt::format("{}", fmt::join(why, "; "));
    if (plan.partitions.empty() || plan.partitions.back().target != chosen)
      plan.partitions.push_back({chosen, {}});
    plan.partitions.back().nodes.push_back(id);
  }
  // Transfers: a value produced on one device and read on another.
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
