// The declared cost model for partitions on devices that are not simulators (cpu, ref, GPUs
// through OpenCL/Vulkan): a roofline over a configured host's peaks. A node takes
// max(flops / peak compute, compulsory bytes / peak bandwidth), its work from the same
// op-work function `nuri inspect` and `nuri bench` use (compiler/ir/op_work.h). The peaks are
// configured (a preset or JSON), never the devices' measured ones, so a simulated timeline is
// the same on every machine and every run.
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::rt {

struct HostModel {
  std::string name;
  double peak_flops_per_s = 0;
  double bandwidth_bytes_per_s = 0;
  std::string source;  // where the figures come from

  double node_ns(const ir::Graph& g, const ir::Node& n) const;
  // "host server-16c: roofline 2048.0 GFLOP/s, 307.2 GB/s"
  std::string summary() const;
};

// "server-16c" (the default), "desktop-8c".
const std::vector<std::string>& host_preset_names();
inline constexpr const char* kDefaultHost = "server-16c";
// A preset name, a JSON object text ({"gflops": .., "bandwidth_gbps": .., "name", "source"})
// or the path of a file holding one. Throws nuri::Error naming the preset, key or file.
HostModel parse_host(const std::string& spec);

}  // namespace nuri::rt
