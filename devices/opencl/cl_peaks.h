// The opencl device's stated peaks, for `nuri bench`'s percent of peak and the roofline.
#pragma once

#include "devices/opencl/cl_context.h"

namespace nuri::opencl {

struct ClPeaks {
  double f32_flops_per_s = 0;
  double bytes_per_s = 0;
};

// f32: from the driver: compute units x clock x f32 lanes (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT)
// x 2 (an FMA). Bandwidth: measured once per driver and device in this process: the best of
// three 32 MiB clEnqueueCopyBuffer, bytes read plus written over the event's device time.
ClPeaks device_peaks(const ClContext& ctx);

}  // namespace nuri::opencl
