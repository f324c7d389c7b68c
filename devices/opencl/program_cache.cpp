#include "devices/opencl/program_cache.h"

#include <fmt/format.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::opencl {
namespace {

namespace fs = std::filesystem;

fs::path cache_dir(const ProgramCacheOptions& o) {
  if (!o.dir.empty()) return o.dir;
  if (const char* d = std::getenv("NURI_OPENCL_CACHE"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "nuri/opencl";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache/nuri/opencl";
  return {};
}

std::string build_log(const ClContext& ctx, cl_program p) {
  size_t n = 0;
  clGetProgramBuildInfo(p, ctx.device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
  std::string log(n, '\0');
  clGetProgramBuildInfo(p, ctx.device, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

ClProgram from_binary(const ClContext& ctx, const std::vector<unsigned char>& bin,
                      const std::string& options) {
  const unsigned char* data = bin.data();
  const size_t size = bin.size();
  cl_int status = CL_SUCCESS, err = CL_SUCCESS;
  ClProgram p(
      clCreateProgramWithBinary(ctx.context.get(), 1, &ctx.device, &size, &data, &status, &err));
  if (err != CL_SUCCESS || status != CL_SUCCESS) return {};
  if (clBuildProgram(p.get(), 1, &ctx.device, options.c_str(), nullptr, nullptr) != CL_SUCCESS)
    return {};
  return p;
}

std::vector<unsigned char> binary_of(cl_program p) {
  size_t size = 0;
  if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(size), &size, nullptr) != CL_SUCCESS)
    return {};
  std::vector<unsigned char> bin(size);
  unsigned char* ptr = bin.data();
  if (size == 0 ||
      clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(ptr), &ptr, nullptr) != CL_SUCCESS)
    return {};
  return bin;
}

}  // namespace

std::string program_cache_key(std::string_view source, const std::string& build_options,
                              const ClContext& ctx) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;  // separator: "ab"+"c" != "a"+"bc"
  };
  mix(source);
  mix(build_options);
  mix(ctx.platform_name);
  mix(ctx.platform_version);
  mix(ctx.device_name);
  mix(ctx.driver_version);
  return fmt::format("{:016x}", h);
}

BuiltProgram build_program(const ClContext& ctx, std::string_view source,
                           const std::string& build_options, const ProgramCacheOptions& cache) {
  BuiltProgram out;
  const fs::path dir = cache.enabled ? cache_dir(cache) : fs::path();
  if (!dir.empty()) {
    out.cache_file = (dir / (program_cache_key(source, build_options, ctx) + ".bin")).string();
    std::ifstream in(out.cache_file, std::ios::binary);
    if (in) {
      const std::vector<unsigned char> bin((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>());
      out.program = from_binary(ctx, bin, build_options);
      if (out.program.get()) {
        out.from_cache = true;
        return out;
      }
    }
  }

  const char* text = source.data();
  const size_t len = source.size();
  cl_int err = CL_SUCCESS;
  out.program = ClProgram(clCreateProgramWithSource(ctx.context.get(), 1, &text, &len, &err));
  check(err, "clCreateProgramWithSource");
  err = clBuildProgram(out.program.get(), 1, &ctx.device, build_options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS)
    throw Error(fmt::format("opencl: building the kernels for '{}' failed: {}\n{}", ctx.device_name,
                            cl_error_name(err), build_log(ctx, out.program.get())));

  if (!dir.empty()) {
    // Written to a temporary name and renamed, so a concurrent reader never sees half a file.
    const std::vector<unsigned char> bin = binary_of(out.program.get());
    std::error_code ec;
    fs::create_directories(dir, ec);
    const std::string tmp = out.cache_file + ".tmp" + std::to_string(::getpid());
    std::ofstream f(tmp, std::ios::binary);
    if (!bin.empty() && f.write(reinterpret_cast<const char*>(bin.data()),
                                static_cast<std::streamsize>(bin.size()))) {
      f.close();
      fs::rename(tmp, out.cache_file, ec);
    }
    fs::remove(tmp, ec);
  }
  return out;
}

}  // namespace nuri::opencl
