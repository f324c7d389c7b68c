#include "runtime/host_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/ir/op_work.h"
#include "runtime/model_spec.h"

namespace nuri::rt {
namespace {

// f32 peaks are cores x all-core clock x FMA units x SIMD lanes x 2; bandwidths are channels x
// transfer rate x 8 bytes (JEDEC JESD79-5 DDR5 speed bins).
const std::vector<HostModel>& presets() {
  static const std::vector<HostModel> hosts = {
      {"server-16c", 16 * 2.0e9 * 2 * 16 * 2, 8 * 4800e6 * 8,
       "a 16-core AVX-512 server socket: 2.0 GHz all-core AVX-512 clock (assumed), 2 FMA units "
       "x 16 f32 lanes = 2048 GFLOP/s; 8 channels of DDR5-4800 = 307.2 GB/s"},
      {"desktop-8c", 8 * 3.0e9 * 2 * 8 * 2, 2 * 5600e6 * 8,
       "an 8-core AVX2 desktop: 3.0 GHz all-core clock (assumed), 2 FMA units x 8 f32 lanes = "
       "768 GFLOP/s; 2 channels of DDR5-5600 = 89.6 GB/s"},
  };
  return hosts;
}

HostModel from_json(const nlohmann::json& j, const std::string& where) {
  check_spec_keys(j, {"gflops", "bandwidth_gbps", "name", "source"}, "host", where);
  HostModel h;
  h.peak_flops_per_s = spec_number(j, "gflops", true, "host", where) * 1e9;
  h.bandwidth_bytes_per_s = spec_number(j, "bandwidth_gbps", true, "host", where) * 1e9;
  h.name = j.value("name", std::string("custom"));
  h.source = j.value("source", std::string("configured"));
  return h;
}

}  // namespace

double HostModel::node_ns(const ir::Graph& g, const ir::Node& n) const {
  const double compute_s = ir::node_flops(g, n) / peak_flops_per_s;
  const double memory_s = ir::node_min_bytes(g, n) / bandwidth_bytes_per_s;
  return std::max(compute_s, memory_s) * 1e9;
}

std::string HostModel::summary() const {
  return fmt::format("host {}: roofline {:.1f} GFLOP/s, {:.1f} GB/s", name, peak_flops_per_s / 1e9,
                     bandwidth_bytes_per_s / 1e9);
}

const std::vector<std::string>& host_preset_names() {
  static const std::vector<std::string> names = spec_preset_names(presets());
  return names;
}

HostModel parse_host(const std::string& spec) {
  return parse_spec(spec, "host", presets(), from_json);
}

}  // namespace nuri::rt
