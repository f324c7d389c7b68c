#include "devices/opencl/cl_peaks.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace nuri::opencl {
namespace {

constexpr size_t kCopyBytes = size_t{32} << 20;

double copy_bytes_per_s(const ClContext& ctx) {
  cl_int err = CL_SUCCESS;
  ClMem src(clCreateBuffer(ctx.context.get(), CL_MEM_READ_WRITE, kCopyBytes, nullptr, &err));
  check(err, "clCreateBuffer (bandwidth probe)");
  ClMem dst(clCreateBuffer(ctx.context.get(), CL_MEM_READ_WRITE, kCopyBytes, nullptr, &err));
  check(err, "clCreateBuffer (bandwidth probe)");
  const cl_command_queue q = ctx.queue.get();
  const cl_uint zero = 0;
  check(clEnqueueFillBuffer(q, src.get(), &zero, sizeof(zero), 0, kCopyBytes, 0, nullptr, nullptr),
        "clEnqueueFillBuffer (bandwidth probe)");
  double best_ns = 0;
  for (int i = 0; i < 3; ++i) {
    cl_event e = nullptr;
    check(clEnqueueCopyBuffer(q, src.get(), dst.get(), 0, 0, kCopyBytes, 0, nullptr, &e),
          "clEnqueueCopyBuffer (bandwidth probe)");
    const ClEvent event(e);
    check(clWaitForEvents(1, &e), "clWaitForEvents (bandwidth probe)");
    cl_ulong start = 0, end = 0;
    check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof(start), &start, nullptr),
          "clGetEventProfilingInfo");
    check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof(end), &end, nullptr),
          "clGetEventProfilingInfo");
    const double ns = static_cast<double>(end - start);
    if (ns > 0 && (best_ns == 0 || ns < best_ns)) best_ns = ns;
  }
  return best_ns > 0 ? 2.0 * kCopyBytes / (best_ns * 1e-9) : 0;
}

}  // namespace

ClPeaks device_peaks(const ClContext& ctx) {
  static std::mutex mutex;
  static std::map<std::string, ClPeaks> measured;
  std::lock_guard lock(mutex);
  const std::string key = ctx.device_name + "|" + ctx.driver_version;
  if (auto it = measured.find(key); it != measured.end()) return it->second;
  cl_uint lanes = 1;
  check(clGetDeviceInfo(ctx.device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof(lanes), &lanes,
                        nullptr),
        "clGetDeviceInfo (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT)");
  ClPeaks p;
  p.f32_flops_per_s = 2.0 * ctx.compute_units * std::max<cl_uint>(lanes, 1) * ctx.clock_mhz * 1e6;
  p.bytes_per_s = copy_bytes_per_s(ctx);
  measured[key] = p;
  return p;
}

}  // namespace nuri::opencl
