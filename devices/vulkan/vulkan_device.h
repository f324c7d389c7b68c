// The `vulkan` device: Vulkan compute through the loader (Mesa's lavapipe on a CPU-only
// machine, any GPU driver elsewhere). With no driver it still registers; creating it fails
// with the reason (NURI_ERROR_UNSUPPORTED), which `nuri devices` prints.
#pragma once

#include "nuri/device.h"

namespace nuri::vulkan {
const nuri_device_api* vulkan_device_api();
}
