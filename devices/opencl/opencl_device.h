// The OpenCL device: any OpenCL 1.2 driver found through the ICD loader (PoCL's CPU device
// here, a GPU driver elsewhere), running the kernels of kernels/opencl.
#pragma once

#include "nuri/device.h"

namespace nuri::opencl {

const nuri_device_api* opencl_device_api();

}  // namespace nuri::opencl
