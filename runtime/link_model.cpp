#include "runtime/link_model.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nuri/error.hpp"

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

double positive(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw Error(fmt::format("link {}: missing key '{}'", where, key));
  const nlohmann::json& v = j.at(key);
  if (!v.is_number() || v.get<double>() < 0 ||
      (std::string(key) == "bandwidth_gbps" && v.get<double>() <= 0))
    throw Error(fmt::format("link {}: '{}' must be a {} number, got {}", where, key,
                            std::string(key) == "bandwidth_gbps" ? "positive" : "non-negative",
                            v.dump()));
  return v.get<double>();
}

LinkModel from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("link {}: expected a JSON object", where));
  for (const auto& [key, value] : j.items())
    if (key != "name" && key != "bandwidth_gbps" && key != "latency_ns" && key != "source")
      throw Error(fmt::format(
          "link {}: unknown key '{}' (expected bandwidth_gbps, latency_ns, name, source)", where,
          key));
  LinkModel l;
  l.bandwidth_gbps = positive(j, "bandwidth_gbps", where);
  l.latency_ns = positive(j, "latency_ns", where);
  l.name = j.value("name", std::string("custom"));
  l.source = j.value("source", std::string("configured"));
  return l;
}

}  // namespace

const std::vector<std::string>& link_preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const LinkModel& l : presets()) n.push_back(l.name);
    return n;
  }();
  return names;
}

LinkModel parse_link(const std::string& spec) {
  for (const LinkModel& l : presets())
    if (l.name == spec) return l;
  const size_t first = spec.find_first_not_of(" \t\n");
  if (first != std::string::npos && spec[first] == '{') {
    try {
      return from_json(nlohmann::json::parse(spec), "JSON");
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("link JSON: {}", e.what()));
    }
  }
  if (!std::filesystem::is_regular_file(spec))
    throw Error(fmt::format("link '{}': not a preset ({}), a JSON object or a file", spec,
                            fmt::join(link_preset_names(), ", ")));
  std::ifstream in(spec);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return from_json(nlohmann::json::parse(text.str()), fmt::format("file '{}'", spec));
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("link file '{}': {}", spec, e.what()));
  }
}

}  // namespace nuri::rt
