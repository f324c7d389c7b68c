// Builds the OpenCL program, through an on-disk cache of driver binaries keyed by a hash of
// the source, the build options, the device and the driver version: a second process (or a
// second device instance) loads the binary instead of compiling the kernels again.
#pragma once

#include <string>
#include <string_view>

#include "devices/opencl/cl_context.h"

namespace nuri::opencl {

struct ProgramCacheOptions {
  bool enabled = true;
  std::string dir;  // empty: $NURI_OPENCL_CACHE, $XDG_CACHE_HOME/nuri/opencl, ~/.cache/nuri/opencl
};

struct BuiltProgram {
  ClProgram program;
  bool from_cache = false;
  std::string cache_file;  // empty when the cache is off or has no folder
};

// The cache key: FNV-1a 64 over everything that changes the binary, as 16 hex digits.
std::string program_cache_key(std::string_view source, const std::string& build_options,
                              const ClContext& ctx);

// Throws nuri::Error with the build log when the source does not compile. A cache file that
// cannot be read, loaded or written is ignored (the program is built from source).
BuiltProgram build_program(const ClContext& ctx, std::string_view source,
                           const std::string& build_options, const ProgramCacheOptions& cache);

}  // namespace nuri::opencl
