// The interconnect every cross-device transfer crosses on the simulated timeline: a bandwidth
// and a fixed latency per transfer (time = latency + bytes / bandwidth). Presets name common
// links; a JSON object configures any other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nuri::rt {

struct LinkModel {
  std::string name;
  double bandwidth_gbps = 0;  // GB/s (1e9 bytes/s) in each direction
  double latency_ns = 0;      // per transfer
  std::string source;         // where the figures come from

  // Nanoseconds one transfer of `bytes` occupies the link (1 GB/s moves 1 byte per ns).
  double transfer_ns(uint64_t bytes) const {
    return latency_ns + static_cast<double>(bytes) / bandwidth_gbps;
  }
};

// "pcie4-x16", "pcie5-x16", "cxl2-x16", "c2c".
const std::vector<std::string>& link_preset_names();
// A preset name, a JSON object text ({"bandwidth_gbps": .., "latency_ns": .., "name": ..}) or
// the path of a file holding one. Throws nuri::Error naming the preset, key or file.
LinkModel parse_link(const std::string& spec);

}  // namespace nuri::rt
