// The OpenCL C source of every Nuri OpenCL kernel (kernels/opencl/*.cl, embedded at build
// time), compiled by the opencl device as one program.
#pragma once

#include <string_view>

namespace nuri::kernels {

std::string_view opencl_program_source();

}  // namespace nuri::kernels
