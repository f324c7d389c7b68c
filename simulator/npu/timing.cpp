#include "simulator/npu/timing.h"

#include <algorithm>

namespace nuri::sim::npu {

ArrayTiming matmul_timing(const ArrayConfig& a, uint64_t m, uint64_t k, uint64_t n, Compat compat) {
  const uint64_t r = a.rows, c = a.cols;
  // The streamed extent: A rows under WS, the reduction under OS, B columns under IS.
  const uint64_t stream = a.dataflow == Dataflow::WeightStationary   ? m
                          : a.dataflow == Dataflow::OutputStationary ? k
                                                                     : n;
  ArrayTiming t{};
  if (compat == Compat::ScaleSim) {
    t.latency =
        a.dataflow == Dataflow::OutputStationary ? stream + r + c - 2 : 2 * r + c + stream - 2;
    t.occupancy = t.latency;
    return t;
  }
  // WS and IS preload the stationary tile (R) first; OS drains its outputs (R) last.
  t.latency = r + stream + r + c - 2;
  t.occupancy = a.pipelined ? std::max(stream, r) : t.latency;
  return t;
}

uint64_t vector_cycles(const NpuConfig& c, VecOp op, uint64_t rows, uint64_t cols,
                       uint64_t bytes_moved) {
  const uint64_t lanes = c.vector.lanes;
  uint64_t compute = rows * ceil_div(cols, lanes) * c.vector.op_cycles[static_cast<size_t>(op)];
  if (is_reduction(op)) {
    uint64_t tree = 0;
    while ((uint64_t{1} << tree) < lanes) ++tree;
    compute += rows * tree;
  }
  uint64_t port = ceil_div(bytes_moved, c.spm.bytes_per_cycle());
  return c.vector.latency_cycles + std::max(compute, port);
}

uint64_t dma_engine_cycles(const DmaConfig& d, uint64_t bytes) {
  return d.setup_cycles + ceil_div(bytes, d.bytes_per_cycle);
}

}  // namespace nuri::sim::npu
