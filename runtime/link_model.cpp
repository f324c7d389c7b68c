#include "runtime/link_model.h"

#include <fmt/format.h>

#include "runtime/model_spec.h"

namespace nuri::rt {
namespace {

// Bandwidths are the specs' per-direction data rates after line coding; latencies are not
// spec figures (the specs bound none end to end) but typical one-way DMA latencies.
const std::vector<LinkModel>& presets() {
  static const std::vector<LinkModel> links = {
      {"pcie4-x16", 31.5, 500,
       "PCIe 4.0 base spec: 16 GT/s x 16 lanes, 128b/130b = 31.5 GB/s per direction; 500 ns "
       "one-way DMA latency (typical, Neugebauer et al., SIGCOMM 2018)"},
      {"pcie5-x16", 63.0, 500,
       "PCIe 5.0 base spec: 32 GT/s x 16 lanes, 128b/130b = 63.0 GB/s per direction; 500 ns "
       "one-way DMA latency (as PCIe 4.0)"},
      {"cxl2-x16", 63.0, 250,
       "CXL 2.0 over the PCIe 5.0 PHY: 63.0 GB/s per direction; 250 ns added load latency "
       "(CXL consortium's 170-250 ns target for CXL.mem, upper end)"},
      {"c2c", 450.0, 100,
       "NVLink-C2C (NVIDIA Grace Hopper whitepaper): 900 GB/s total = 450 GB/s per direction; "
       "100 ns one-way (assumed: on-package, no spec figure)"},
  };
  return links;
}

LinkModel from_json(const nlohmann::json& j, const std::string& where) {
  check_spec_keys(j, {"bandwidth_gbps", "latency_ns", "name", "source"}, "link", where);
  LinkModel l;
  l.bandwidth_gbps = spec_number(j, "bandwidth_gbps", true, "link", where);
  l.latency_ns = spec_number(j, "latency_ns", false, "link", where);
  l.name = j.value("name", std::string("custom"));
  l.source = j.value("source", std::string("configured"));
  return l;
}

}  // namespace

const std::vector<std::string>& link_preset_names() {
  static const std::vector<std::string> names = spec_preset_names(presets());
  return names;
}

LinkModel parse_link(const std::string& spec) {
  return parse_spec(spec, "link", presets(), from_json);
}

}  // namespace nuri::rt
