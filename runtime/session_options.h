// Building SessionOptions from the forms users write: "DEVICE:key=value" entries and a cpu
// thread count, checked against the registered devices (shared by the CLI and the C API).
#pragma once

#include <string>

#include "runtime/registry.h"
#include "runtime/session.h"

namespace nuri::rt {

// Appends "key=value" to the options of DEVICE. Throws naming the entry when it is not
// DEVICE:key=value or DEVICE is not a registered device.
void add_device_option(SessionOptions& options, const std::string& entry,
                       const DeviceRegistry& registry = DeviceRegistry::global());
// threads > 0 sets the cpu device's thread count; 0 keeps its default; negative throws.
void set_cpu_threads(SessionOptions& options, int64_t threads);

}  // namespace nuri::rt
