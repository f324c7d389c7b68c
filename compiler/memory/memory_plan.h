// Liveness-based arena planning: every tensor gets an offset in one arena, and tensors whose
// lifetimes overlap never share bytes. Devices run a compiled graph out of one allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::ir {

// One tensor to place: alive from step `first` to step `last` inclusive.
struct BufferLifetime {
  size_t bytes = 0;
  int64_t first = 0;
  int64_t last = 0;
};

struct ArenaPlan {
  std::vector<size_t> offsets;  // per buffer
  size_t peak_bytes = 0;        // arena size
  size_t total_bytes = 0;       // sum of all buffers (what no reuse would need)
};

// Greedy best-fit: places buffers largest first at the lowest offset free over their lifetime.
// Offsets are multiples of `alignment`.
ArenaPlan plan_arena(const std::vector<BufferLifetime>& buffers, size_t alignment = 64);

// The lifetimes of a graph's non-constant values over a node order (step i = order[i]).
// Graph inputs are alive from step 0; graph outputs until the last step. Values nothing reads
// and no output needs still get a one-step lifetime (they are written).
struct GraphLifetimes {
  std::vector<ValueId> values;            // planned values
  std::vector<BufferLifetime> lifetimes;  // parallel to values
};
GraphLifetimes graph_lifetimes(const Graph& graph, const std::vector<NodeId>& order);

// plan_arena over graph_lifetimes, with offsets indexed by ValueId (SIZE_MAX for constants).
struct GraphMemoryPlan {
  std::vector<size_t> offset_of;  // per ValueId
  size_t peak_bytes = 0;
  size_t total_bytes = 0;
};
GraphMemoryPlan plan_graph_memory(const Graph& graph, const std::vector<NodeId>& order,
                                  size_t alignment = 64);

}  // namespace nuri::ir
