#include "devices/opencl/cl_handle.h"

#include "nuri/error.hpp"

namespace nuri::opencl {

std::string cl_error_name(cl_int code) {
  const char* name = "";
  switch (code) {
#define NURI_CL_CODE(c) \
  case c:               \
    name = #c;          \
    break;
    NURI_CL_CODE(CL_DEVICE_NOT_FOUND)
    NURI_CL_CODE(CL_DEVICE_NOT_AVAILABLE)
    NURI_CL_CODE(CL_COMPILER_NOT_AVAILABLE)
    NURI_CL_CODE(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    NURI_CL_CODE(CL_OUT_OF_RESOURCES)
    NURI_CL_CODE(CL_OUT_OF_HOST_MEMORY)
    NURI_CL_CODE(CL_BUILD_PROGRAM_FAILURE)
    NURI_CL_CODE(CL_INVALID_VALUE)
    NURI_CL_CODE(CL_INVALID_PLATFORM)
    NURI_CL_CODE(CL_INVALID_DEVICE)
    NURI_CL_CODE(CL_INVALID_BINARY)
    NURI_CL_CODE(CL_INVALID_BUILD_OPTIONS)
    NURI_CL_CODE(CL_INVALID_KERNEL_NAME)
    NURI_CL_CODE(CL_INVALID_KERNEL_ARGS)
    NURI_CL_CODE(CL_INVALID_ARG_INDEX)
    NURI_CL_CODE(CL_INVALID_ARG_SIZE)
    NURI_CL_CODE(CL_INVALID_WORK_GROUP_SIZE)
    NURI_CL_CODE(CL_INVALID_WORK_ITEM_SIZE)
    NURI_CL_CODE(CL_INVALID_GLOBAL_WORK_SIZE)
    NURI_CL_CODE(CL_INVALID_BUFFER_SIZE)
    NURI_CL_CODE(CL_INVALID_MEM_OBJECT)
#undef NURI_CL_CODE
    case -1001:
      name = "CL_PLATFORM_NOT_FOUND_KHR";
      break;
    default:
      break;
  }
  return std::string(name) + (*name ? " (" : "(") + std::to_string(code) + ")";
}

void check(cl_int code, const char* what) {
  if (code != CL_SUCCESS)
    throw Error(std::string("opencl: ") + what + " failed: " + cl_error_name(code));
}

}  // namespace nuri::opencl
