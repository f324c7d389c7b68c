// One OpenCL device found through the ICD loader, with its context and an in-order,
// profiling-enabled queue. Selection: platform and device by index, or by a substring of
// their names; by default the first GPU, else the first device of any type.
#pragma once

#include <memory>
#include <string>

#include "devices/opencl/cl_handle.h"

namespace nuri::opencl {

struct ClSelection {
  std::string platform;  // index or name substring; empty: any
  std::string device;    // index or name substring within the platform; empty: prefer a GPU
};

struct ClContext {
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
  ClContextHandle context;
  ClQueue queue;
  std::string platform_name, platform_version, device_name, driver_version;
  bool is_gpu = false;
  uint64_t global_mem_bytes = 0;
  size_t max_work_group = 1;
  cl_uint compute_units = 1, clock_mhz = 0;
};

// Throws nuri::Error (status NURI_ERROR_NOT_FOUND) saying why when no platform or no matching
// device is there: the device then reports itself unavailable with that reason.
std::shared_ptr<ClContext> open_cl_context(const ClSelection& selection);

}  // namespace nuri::opencl
