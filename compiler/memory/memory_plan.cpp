#include "compiler/memory/memory_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace nuri::ir {
namespace {

size_t align_up(size_t n, size_t a) {
  return (n + a - 1) / a * a;
}

}  // namespace

ArenaPlan plan_arena(const std::vector<BufferLifetime>& buffers, size_t alignment) {
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  struct Placed {
    size_t offset, end;
    int64_t first, last;
  };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const BufferLifetime& buf = buffers[idx];
    plan.total_bytes += buf.bytes;
    const size_t size = align_up(std::max<size_t>(buf.bytes, 1), alignment);
    // Intervals of the arena already taken during this buffer's lifetime, by offset.
    std::vector<std::pair<size_t, size_t>> taken;
    for (const Placed& p : placed)
      if (p.first <= buf.last && buf.first <= p.last) taken.emplace_back(p.offset, p.end);
    std::sort(taken.begin(), taken.end());
    // Best fit: the smallest gap that holds the buffer; else after the last interval.
    size_t best = std::numeric_limits<size_t>::max(), best_gap = best, cursor = 0;
    for (const auto& [begin, end] : taken) {
      if (begin >= cursor + size && begin - cursor < best_gap) {
        best = cursor;
        best_gap = begin - cursor;
      }
      cursor = std::max(cursor, end);
    }
    if (best == std::numeric_limits<size_t>::max()) best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, best + size, buf.first, buf.last});
    plan.peak_bytes = std::max(plan.peak_bytes, best + size);
  }
  return plan;
}

GraphLifetimes graph_lifetimes(const Graph& graph, const std::vector<NodeId>& order) {
  const size_t nv = graph.values().size();
  std::vector<int64_t> first(nv, -1), last(nv, -1);
  const int64_t end = static_cast<int64_t>(order.size()) - 1;
  for (ValueId in : graph.inputs()) first[in] = last[in] = 0;
  for (size_t step = 0; step < order.size(); ++step) {
    const Node& n = graph.node(order[step]);
    const auto s = static_cast<int64_t>(step);
    for (ValueId in : n.inputs)
      if (in != kNoValue) last[in] = std::max(last[in], s);
    for (ValueId out : n.outputs) {
      first[out] = s;
      last[out] = std::max(last[out], s);
    }
  }
  for (ValueId out : graph.outputs()) last[out] = std::max<int64_t>(end, 0);
  GraphLifetimes lt;
  for (size_t v = 0; v < nv; ++v) {
    const Value& val = graph.values()[v];
    if (val.kind == ValueKind::Constant || first[v] < 0) continue;
    lt.values.push_back(static_cast<ValueId>(v));
    lt.lifetimes.push_back({val.type.nbytes(), first[v], last[v]});
  }
  return lt;
}

GraphMemoryPlan plan_graph_memory(const Graph& graph, const std::vector<NodeId>& order,
                                  size_t alignment) {
  const GraphLifetimes lt = graph_lifetimes(graph, order);
  const ArenaPlan arena = plan_arena(lt.lifetimes, alignment);
  GraphMemoryPlan plan;
  plan.offset_of.assign(graph.values().size(), std::numeric_limits<size_t>::max());
  for (size_t i = 0; i < lt.values.size(); ++i) plan.offset_of[lt.values[i]] = arena.offsets[i];
  plan.peak_bytes = arena.peak_bytes;
  plan.total_bytes = arena.total_bytes;
  return plan;
}

}  // namespace nuri::ir
