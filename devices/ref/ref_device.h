// The `ref` device: the reference executor behind the device ABI.
#pragma once

#include "nuri/device.h"

namespace nuri::ref {
const nuri_device_api* ref_device_api();
}
