#include "devices/npu/tiling/onchip_matmul.h"

#include <algorithm>

#include "simulator/npu/timing.h"

namespace nuri::npu {

void emit_onchip_matmul(const sim::NpuConfig& cfg, sim::Program& p, const sim::TileRef& c,
                        const sim::TileRef& a, const sim::TileRef& b, bool transpose_b,
                        bool accumulate) {
  const uint32_t m = a.rows, k = a.cols, n = c.cols;
  const uint32_t R = cfg.array.rows, C = cfg.array.cols;
  auto bsub = [&](uint32_t k0, uint32_t n0, uint32_t kc, uint32_t nc) {
    return transpose_b ? b.sub(n0, k0, nc, kc) : b.sub(k0, n0, kc, nc);
  };
  if (cfg.array.dataflow == sim::Dataflow::WeightStationary) {
    for (uint32_t n0 = 0; n0 < n; n0 += C) {
      const uint32_t nc = std::min(C, n - n0);
      for (uint32_t k0 = 0; k0 < k; k0 += R) {
        const uint32_t kc = std::min(R, k - k0);
        p.push(sim::matmul(c.sub(0, n0, m, nc), a.sub(0, k0, m, kc), bsub(k0, n0, kc, nc),
                           accumulate || k0 > 0, transpose_b));
      }
    }
    return;
  }
  if (cfg.array.dataflow == sim::Dataflow::InputStationary) {
    // A chunks of K (rows) x M (cols) stay in the array while all N columns of B stream.
    for (uint32_t m0 = 0; m0 < m; m0 += C) {
      const uint32_t mc = std::min(C, m - m0);
      for (uint32_t k0 = 0; k0 < k; k0 += R) {
        const uint32_t kc = std::min(R, k - k0);
        p.push(sim::matmul(c.sub(m0, 0, mc, n), a.sub(m0, k0, mc, kc), bsub(k0, 0, kc, n),
                           accumulate || k0 > 0, transpose_b));
      }
    }
    return;
  }
  for (uint32_t m0 = 0; m0 < m; m0 += R) {
    const uint32_t mc = std::min(R, m - m0);
    for (uint32_t n0 = 0; n0 < n; n0 += C) {
      const uint32_t nc = std::min(C, n - n0);
      p.push(sim::matmul(c.sub(m0, n0, mc, nc), a.sub(m0, 0, mc, k), bsub(0, n0, k, nc), accumulate,
                         transpose_b));
    }
  }
}

uint64_t onchip_matmul_count(const sim::NpuConfig& cfg, uint64_t m, uint64_t k, uint64_t n) {
  const uint64_t R = cfg.array.rows, C = cfg.array.cols;
  if (cfg.array.dataflow == sim::Dataflow::WeightStationary)
    return sim::ceil_div(n, C) * sim::ceil_div(k, R);
  if (cfg.array.dataflow == sim::Dataflow::InputStationary)
    return sim::ceil_div(m, C) * sim::ceil_div(k, R);
  return sim::ceil_div(m, R) * sim::ceil_div(n, C);
}

}  // namespace nuri::npu
