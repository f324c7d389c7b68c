#include "devices/opencl/cl_context.h"

#include <vector>

#include "nuri/error.hpp"

namespace nuri::opencl {
namespace {

std::string platform_info(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  check(clGetPlatformInfo(p, what, 0, nullptr, &n), "clGetPlatformInfo");
  std::string s(n, '\0');
  check(clGetPlatformInfo(p, what, n, s.data(), nullptr), "clGetPlatformInfo");
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string device_info(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  check(clGetDeviceInfo(d, what, 0, nullptr, &n), "clGetDeviceInfo");
  std::string s(n, '\0');
  check(clGetDeviceInfo(d, what, n, s.data(), nullptr), "clGetDeviceInfo");
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

template <typename T>
T device_value(cl_device_id d, cl_device_info what) {
  T v{};
  check(clGetDeviceInfo(d, what, sizeof(v), &v, nullptr), "clGetDeviceInfo");
  return v;
}

// True when `want` (an index or a name substring) selects item `index` named `name`.
bool matches(const std::string& want, size_t index, const std::string& name) {
  if (want.empty()) return true;
  if (want.find_first_not_of("0123456789") == std::string::npos) return std::stoul(want) == index;
  return name.find(want) != std::string::npos;
}

[[noreturn]] void unavailable(const std::string& why) {
  throw Error("opencl: " + why, NURI_ERROR_NOT_FOUND);
}

std::vector<cl_device_id> devices_of(cl_platform_id p) {
  cl_uint n = 0;
  const cl_int st = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &n);
  if (st == CL_DEVICE_NOT_FOUND || n == 0) return {};
  check(st, "clGetDeviceIDs");
  std::vector<cl_device_id> ids(n);
  check(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n, ids.data(), nullptr), "clGetDeviceIDs");
  return ids;
}

}  // namespace

std::shared_ptr<ClContext> open_cl_context(const ClSelection& sel) {
  cl_uint n_platforms = 0;
  const cl_int st = clGetPlatformIDs(0, nullptr, &n_platforms);
  if (st != CL_SUCCESS || n_platforms == 0)
    unavailable(
        "no OpenCL platform through the ICD loader (clGetPlatformIDs: " + cl_error_name(st) +
        "); install a driver's ICD (e.g. pocl-opencl-icd) or check OCL_ICD_VENDORS");
  std::vector<cl_platform_id> platforms(n_platforms);
  check(clGetPlatformIDs(n_platforms, platforms.data(), nullptr), "clGetPlatformIDs");

  // Candidates in platform order; a GPU wins when no device was named.
  cl_platform_id best_p = nullptr;
  cl_device_id best_d = nullptr;
  bool best_gpu = false;
  std::string seen;
  for (size_t pi = 0; pi < platforms.size(); ++pi) {
    const std::string pname = platform_info(platforms[pi], CL_PLATFORM_NAME);
    if (!matches(sel.platform, pi, pname)) continue;
    const std::vector<cl_device_id> devs = devices_of(platforms[pi]);
    for (size_t di = 0; di < devs.size(); ++di) {
      const std::string dname = device_info(devs[di], CL_DEVICE_NAME);
      seen += (seen.empty() ? "" : ", ") + pname + ": " + dname;
      if (!matches(sel.device, di, dname)) continue;
      const bool gpu =
          (device_value<cl_device_type>(devs[di], CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0;
      if (!best_d || (sel.device.empty() && gpu && !best_gpu)) {
        best_p = platforms[pi];
        best_d = devs[di];
        best_gpu = gpu;
      }
    }
  }
  if (!best_d)
    unavailable("no OpenCL device matches platform='" + sel.platform + "' device='" + sel.device +
                "' (found: " + (seen.empty() ? "none" : seen) + ")");

  auto c = std::make_shared<ClContext>();
  c->platform = best_p;
  c->device = best_d;
  c->platform_name = platform_info(best_p, CL_PLATFORM_NAME);
  c->platform_version = platform_info(best_p, CL_PLATFORM_VERSION);
  c->device_name = device_info(best_d, CL_DEVICE_NAME);
  c->driver_version = device_info(best_d, CL_DRIVER_VERSION);
  c->is_gpu = best_gpu;
  c->global_mem_bytes = device_value<cl_ulong>(best_d, CL_DEVICE_GLOBAL_MEM_SIZE);
  c->max_work_group = device_value<size_t>(best_d, CL_DEVICE_MAX_WORK_GROUP_SIZE);
  c->compute_units = device_value<cl_uint>(best_d, CL_DEVICE_MAX_COMPUTE_UNITS);
  c->clock_mhz = device_value<cl_uint>(best_d, CL_DEVICE_MAX_CLOCK_FREQUENCY);
  cl_int err = CL_SUCCESS;
  c->context = ClContextHandle(clCreateContext(nullptr, 1, &best_d, nullptr, nullptr, &err));
  check(err, "clCreateContext");
  c->queue =
      ClQueue(clCreateCommandQueue(c->context.get(), best_d, CL_QUEUE_PROFILING_ENABLE, &err));
  check(err, "clCreateCommandQueue");
  return c;
}

}  // namespace nuri::opencl
