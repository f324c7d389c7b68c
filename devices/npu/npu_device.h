// The NPU device: compiles partitions to NPU simulator programs (codegen.h) and runs them on the
// cycle-approximate simulator (simulator/npu). Options: "config=PRESET|FILE.json;
// timing_only=0|1;trace=0|1" (defaults rngd-like, 0, 1).
#pragma once

#include "nuri/device.h"

namespace nuri::npu {

const nuri_device_api* npu_device_api();

}  // namespace nuri::npu
