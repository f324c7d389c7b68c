// The partitioner: the targets' order is the priority, declines carry the device's reason, and
// the cost policy (asked for explicitly) charges transfers so it does not hop devices for a
// saving smaller than the move.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "compiler/ir/builder.h"
#include "compiler/partition/partitioner.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// x -> Relu -> Tanh -> Relu, each value [1024, 1024] f32 (4 MiB).
Graph chain() {
  GraphBuilder b("chain");
  const ValueId x = b.input("x", DType::F32, {1024, 1024});
  const ValueId r = b.add1(OpKind::Relu, {x}, {}, "relu0");
  const ValueId t = b.add1(OpKind::Tanh, {r}, {}, "tanh");
  b.output(b.add1(OpKind::Relu, {t}, {}, "relu1"));
  return b.build();
}

NodeId node(const Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (g.nodes()[i].name == name) return static_cast<NodeId>(i);
  ADD_FAILURE() << "no node " << name;
  return 0;
}

// A target claiming every node except `declines` (with `why`), costing `us` microseconds by
// node name (no entry: no estimate).
PartitionTarget target(const Graph& g, std::string name, std::map<std::string, double> us,
                       std::string declines = "", std::string why = "") {
  return {std::move(name),
          [&g, declines, why](NodeId id) {
            return g.node(id).name == declines ? Capability{false, why} : Capability{true, ""};
          },
          [&g, us](NodeId id) -> std::optional<double> {
            auto it = us.find(g.node(id).name);
            if (it == us.end()) return std::nullopt;
            return it->second * 1e-6;
          }};
}

TEST(Partitioner, PriorityOrderDecidesEvenAgainstACheaperEstimate) {
  const Graph g = chain();
  const std::vector<PartitionTarget> targets = {
      target(g, "cpu", {}),  // no estimates at all
      target(g, "npu", {{"relu0", 1}, {"tanh", 1}, {"relu1", 1}})};
  const PartitionPlan plan = partition_graph(g, targets);
  ASSERT_EQ(plan.partitions.size(), 1u);
  EXPECT_EQ(plan.partitions[0].target, 0);
  EXPECT_EQ(plan.partitions[0].nodes.size(), 3u);
  EXPECT_THAT(plan.reason_of_node[node(g, "tanh")], HasSubstr("first capable in priority order"));
  EXPECT_EQ(plan.transfers, 0);
}

TEST(Partitioner, DeclinedNodesFallDownTheListWithTheDevicesReason) {
  const Graph g = chain();
  const std::vector<PartitionTarget> targets = {target(g, "npu", {}, "tanh", "tanh is not lowered"),
                                                target(g, "cpu", {})};
  const PartitionPlan plan = partition_graph(g, targets);
  ASSERT_EQ(plan.partitions.size(), 3u);
  EXPECT_EQ(plan.target_of_node[node(g, "relu0")], 0);
  EXPECT_EQ(plan.target_of_node[node(g, "tanh")], 1);
  EXPECT_EQ(plan.target_of_node[node(g, "relu1")], 0);
  EXPECT_THAT(plan.reason_of_node[node(g, "tanh")],
              AllOf(HasSubstr("only capable device"), HasSubstr("npu: tanh is not lowered")));
  // r goes to cpu, t comes back: two 4 MiB transfers.
  EXPECT_EQ(plan.transfers, 2);
  EXPECT_EQ(plan.transfer_bytes, 2u * 4 * 1024 * 1024);
}

TEST(Partitioner, StrictAndImpossiblePlacementsNameTheNodeAndTheReasons) {
  const Graph g = chain();
  PartitionOptions strict;
  strict.strict = true;
  EXPECT_THAT(
      [&] {
        partition_graph(
            g, {target(g, "npu", {}, "tanh", "tanh is not lowered"), target(g, "cpu", {})}, strict);
      },
      ThrowsMessage<Error>(AllOf(HasSubstr("'tanh'"), HasSubstr("tanh is not lowered"))));
  EXPECT_THAT([&] { partition_graph(g, {target(g, "npu", {}, "tanh", "no tanh unit")}); },
              ThrowsMessage<Error>(AllOf(HasSubstr("no device supports node 'tanh'"),
                                         HasSubstr("npu: no tanh unit"))));
}

// Moving 4 MiB at 16 GB/s costs 262 us: a 9 us saving on the middle node is not worth two
// moves, a 1999 us saving is.
TEST(Partitioner, CostPolicyChargesTransfersAndAvoidsTinyPartitions) {
  const Graph g = chain();
  PartitionOptions cost;
  cost.policy = PlacementPolicy::Cost;
  cost.transfer_bytes_per_s = 16e9;
  const double move_us = 4.0 * 1024 * 1024 / 16e9 * 1e6;
  ASSERT_NEAR(move_us, 262.1, 0.1);
  {
    const PartitionPlan plan =
        partition_graph(g,
                        {target(g, "cpu", {{"relu0", 10}, {"tanh", 10}, {"relu1", 10}}),
                         target(g, "npu", {{"relu0", 100}, {"tanh", 1}, {"relu1", 100}})},
                        cost);
    EXPECT_EQ(plan.partitions.size(), 1u);  // 1 + 262 > 10: tanh stays on cpu
    EXPECT_THAT(plan.reason_of_node[node(g, "tanh")],
                AllOf(HasSubstr("cheapest"), HasSubstr("transfer")));
  }
  {
    const PartitionPlan plan =
        partition_graph(g,
                        {target(g, "cpu", {{"relu0", 10}, {"tanh", 2000}, {"relu1", 10}}),
                         target(g, "npu", {{"relu0", 100}, {"tanh", 1}, {"relu1", 100}})},
                        cost);
    // tanh: npu 1 + 262 < cpu 2000; relu1 then stays on npu (100 < 10 + 262).
    ASSERT_EQ(plan.partitions.size(), 2u);
    EXPECT_EQ(plan.target_of_node[node(g, "relu0")], 0);
    EXPECT_EQ(plan.target_of_node[node(g, "tanh")], 1);
    EXPECT_EQ(plan.target_of_node[node(g, "relu1")], 1);
  }
}

TEST(Partitioner, CostPolicyWithoutEstimatesKeepsThePriorityOrder) {
  const Graph g = chain();
  PartitionOptions cost;
  cost.policy = PlacementPolicy::Cost;
  const PartitionPlan plan = partition_graph(g, {target(g, "a", {}), target(g, "b", {})}, cost);
  ASSERT_EQ(plan.partitions.size(), 1u);
  EXPECT_EQ(plan.partitions[0].target, 0);
  EXPECT_THAT(plan.reason_of_node[0], HasSubstr("no estimates"));
}

TEST(Partitioner, PolicyNames) {
  EXPECT_EQ(parse_placement_policy("priority"), PlacementPolicy::Priority);
  EXPECT_EQ(parse_placement_policy("cost"), PlacementPolicy::Cost);
  EXPECT_THAT([] { parse_placement_policy("fastest"); },
              ThrowsMessage<Error>(HasSubstr("'fastest' (expected priority or cost)")));
}

}  // namespace
}  // namespace nuri::ir
