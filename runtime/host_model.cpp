#include "runtime/host_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/ir/op_work.h"

namespace nuri::rt {

double HostModel::node_ns(const ir::Graph& g, const ir::Node& n) const {
  const double compute_s = ir::node_flops(g, n) / peak_flops_per_s;
  const double memory_s = ir::node_min_bytes(g, n) / bandwidth_bytes_per_s;
  return std::max(compute_s, memory_s) * 1e9;
}

HostModel host_model_for(const nuri_device_properties& props) {
  HostModel m;
  const std::string name = props.name ? props.name : "?";
  double peak = props.peak_ops_per_s[NURI_DTYPE_F32];
  if (peak <= 0)
    peak = *std::max_element(std::begin(props.peak_ops_per_s), std::end(props.peak_ops_per_s));
  const bool has_peak = peak > 0, has_bw = props.memory_bandwidth_bytes_per_s > 0;
  m.peak_flops_per_s = has_peak ? peak : kFallbackHostFlopsPerS;
  m.bandwidth_bytes_per_s = has_bw ? props.memory_bandwidth_bytes_per_s : kFallbackHostBytesPerS;
  m.source =
      fmt::format("roofline: {:.1f} GFLOP/s ({}), {:.1f} GB/s ({})", m.peak_flops_per_s / 1e9,
                  has_peak ? "declared by " + name : "fallback", m.bandwidth_bytes_per_s / 1e9,
                  has_bw ? "declared by " + name : "fallback");
  return m;
}

}  // namespace nuri::rt
