// The arena planner: tensors alive at the same time never overlap, and reuse saves memory.
#include <gtest/gtest.h>

#include "compiler/memory/memory_plan.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/seeded_random.h"

namespace nuri::ir {
namespace {

// Checks every pair: overlapping lifetimes -> disjoint byte ranges; everything inside the peak.
void expect_no_live_overlap(const std::vector<BufferLifetime>& bufs, const ArenaPlan& plan) {
  for (size_t i = 0; i < bufs.size(); ++i) {
    EXPECT_LE(plan.offsets[i] + bufs[i].bytes, plan.peak_bytes);
    EXPECT_EQ(plan.offsets[i] % 64, 0u);
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      const bool live_together = bufs[i].first <= bufs[j].last && bufs[j].first <= bufs[i].last;
      const bool bytes_overlap = plan.offsets[i] < plan.offsets[j] + bufs[j].bytes &&
                                 plan.offsets[j] < plan.offsets[i] + bufs[i].bytes;
      if (live_together && bufs[i].bytes && bufs[j].bytes) {
        EXPECT_FALSE(bytes_overlap) << "buffers " << i << " and " << j;
      }
    }
  }
}

TEST(ArenaPlan, HandCase) {
  // A [0,1] 100 B, B [1,2] 100 B, C [2,3] 100 B: A and C can share; B cannot share with either.
  const std::vector<BufferLifetime> bufs = {{100, 0, 1}, {100, 1, 2}, {100, 2, 3}};
  const ArenaPlan plan = plan_arena(bufs);
  expect_no_live_overlap(bufs, plan);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
  EXPECT_EQ(plan.peak_bytes, 256u);  // two 128-byte aligned slots
  EXPECT_EQ(plan.total_bytes, 300u);
}

TEST(ArenaPlan, RandomLifetimesNeverOverlapWhileLive) {
  SeededRandom rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferLifetime> bufs;
    for (int i = 0; i < 60; ++i) {
      const int64_t first = rng.integer(0, 40);
      bufs.push_back(
          {static_cast<size_t>(rng.integer(0, 5000)), first, first + rng.integer(0, 10)});
    }
    const ArenaPlan plan = plan_arena(bufs);
    expect_no_live_overlap(bufs, plan);
    // Lower bound: the bytes alive at the busiest step.
    size_t busiest = 0;
    for (int64_t step = 0; step < 50; ++step) {
      size_t live = 0;
      for (const auto& b : bufs)
        if (b.first <= step && step <= b.last) live += b.bytes;
      busiest = std::max(busiest, live);
    }
    EXPECT_GE(plan.peak_bytes, busiest);
  }
}

TEST(GraphMemoryPlan, Gpt2ReusesMemory) {
  const Graph g = build_gpt2({});
  const std::vector<NodeId> order = g.topo_order();
  const GraphLifetimes lt = graph_lifetimes(g, order);
  const ArenaPlan plan = plan_arena(lt.lifetimes);
  expect_no_live_overlap(lt.lifetimes, plan);
  EXPECT_LT(plan.peak_bytes, plan.total_bytes / 4);
  // The graph output stays live to the last step; the input from step 0.
  for (size_t i = 0; i < lt.values.size(); ++i) {
    if (lt.values[i] == g.outputs()[0]) {
      EXPECT_EQ(lt.lifetimes[i].last, static_cast<int64_t>(order.size()) - 1);
    }
    if (lt.values[i] == g.inputs()[0]) {
      EXPECT_EQ(lt.lifetimes[i].first, 0);
    }
  }
}

}  // namespace
}  // namespace nuri::ir
