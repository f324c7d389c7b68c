// nuri devices: list registered devices (built in and plugins) with their properties.
#include <fmt/format.h>

#include "runtime/registry.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {

void register_devices(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("devices", "list devices and their properties");
  cmd->callback([] {
    rt::DeviceRegistry& reg = rt::DeviceRegistry::global();
    for (const std::string& name : reg.names()) {
      try {
        auto dev = reg.create(name);
        const nuri_device_properties& p = dev->properties();
        std::vector<std::string> dtypes, peaks;
        for (DType t : kAllDTypes) {
          if (p.dtype_mask & (1u << static_cast<int>(t))) dtypes.push_back(dtype_name(t));
          const int i = static_cast<int>(t);
          const double peak = i < NURI_DEVICE_PEAK_DTYPES ? p.peak_ops_per_s[i] : 0.0;
          if (peak > 0) peaks.push_back(fmt::format("{} {:.1f} TOPS", dtype_name(t), peak / 1e12));
        }
        fmt::print("{} [{}{}] {}\n", dev->name(), dev->kind_name(),
                   p.simulated ? ", simulated" : "", p.description ? p.description : "");
        fmt::print("    from: {}\n    memory: {:.1f} GiB, bandwidth {:.1f} GB/s\n",
                   reg.origin(name), p.memory_bytes / 1073741824.0,
                   p.memory_bandwidth_bytes_per_s / 1e9);
        fmt::print("    dtypes: {}\n", fmt::join(dtypes, ", "));
        if (!peaks.empty()) fmt::print("    peak: {}\n", fmt::join(peaks, ", "));
      } catch (const Error& e) {
        fmt::print("{}: unavailable: {}\n", name, e.what());
      }
    }
  });
}

}  // namespace nuri::cli
