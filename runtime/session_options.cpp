#include "runtime/session_options.h"

#include <fmt/format.h>

namespace nuri::rt {
namespace {

void append(SessionOptions& options, const std::string& device, const std::string& kv) {
  std::string& opts = options.device_options[device];
  opts += (opts.empty() ? "" : ";") + kv;
}

}  // namespace

void add_device_option(SessionOptions& options, const std::string& entry,
                       const DeviceRegistry& registry) {
  const size_t colon = entry.find(':');
  const size_t eq = entry.find('=', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || colon == 0 || eq == std::string::npos || eq == colon + 1)
    throw Error(fmt::format("device option '{}' must look like DEVICE:key=value", entry));
  const std::string device = entry.substr(0, colon);
  if (!registry.has(device))
    throw Error(fmt::format("device option '{}': no device named '{}' (devices: {})", entry, device,
                            fmt::join(registry.names(), ", ")),
                NURI_ERROR_NOT_FOUND);
  append(options, device, entry.substr(colon + 1));
}

void set_cpu_threads(SessionOptions& options, int64_t threads) {
  if (threads < 0 || threads > 4096)
    throw Error(fmt::format("threads {} must be between 0 (the default) and 4096", threads));
  if (threads > 0) append(options, "cpu", fmt::format("threads={}", threads));
}

}  // namespace nuri::rt
