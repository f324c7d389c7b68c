// Assigns every node to a device and cuts the graph into partitions. The targets' order is the
// priority (as ONNX Runtime's execution providers): a node goes to the first target that claims
// it, and what none earlier claims falls down the list (cpu last). The cost policy, asked for
// explicitly, instead picks the cheapest estimate with transfers into the node charged.
// Contiguous runs on one device become one partition.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

// A target's answer to "can you run this node?", with its reason when it declines.
struct Capability {
  bool supported = false;
  std::string reason;
};

struct PartitionTarget {
  std::string name;
  std::function<Capability(NodeId)> query;
  std::function<std::optional<double>(NodeId)> cost_seconds;  // may be empty
};

enum class PlacementPolicy {
  Priority,  // first capable target in order
  Cost,      // cheapest estimate, transfers into the node charged
};

struct PartitionOptions {
  // Fail instead of falling back when the first target does not support a node.
  bool strict = false;
  PlacementPolicy policy = PlacementPolicy::Priority;
  // Cost policy: what moving a value between devices costs (host-staged copy bandwidth).
  double transfer_bytes_per_s = 16e9;
};

// "priority" or "cost"; throws nuri::Error listing both otherwise.
PlacementPolicy parse_placement_policy(const std::string& name);

struct Partition {
  int target = 0;
  std::vector<NodeId> nodes;  // in execution order
};

struct PartitionPlan {
  std::vector<Partition> partitions;  // in execution order
  std::vector<int> target_of_node;    // by NodeId
  std::vector<std::string> reason_of_node;
  int64_t transfers = 0;  // (value, consuming device) pairs crossing devices
  size_t transfer_bytes = 0;
};

// Throws nuri::Error naming the node, its op and the devices tried when no target supports a
// node, or (strict) when the first target does not.
PartitionPlan partition_graph(const Graph& graph, const std::vector<PartitionTarget>& targets,
                              const PartitionOptions& options = {});

// The partition as a standalone graph: inputs are the values it reads but does not produce
// (in first-use order), constants are shared, outputs are the values it produces that the
// rest of the graph (or the graph's outputs) needs.
Graph extract_partition(const Graph& graph, const std::vector<NodeId>& nodes,
                        const std::string& name);

}  // namespace nuri::ir
