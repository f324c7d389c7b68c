// The `cpu` device: the fast cpu engine (oneDNN + kernels/cpu_fast) behind the device ABI.
#pragma once

#include <string>

#include "nuri/device.h"

namespace nuri::cpu {
const nuri_device_api* cpu_device_api();
// The oneDNN library the engine runs on, "major.minor.patch (commit)".
std::string onednn_version();
}  // namespace nuri::cpu
