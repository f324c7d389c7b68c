// The compiled kernel program of one device instance and the launch geometry it was built
// for (tile sizes follow the device's work-group limit); kernels are made from it by name.
#pragma once

#include <memory>
#include <string>

#include "devices/opencl/cl_context.h"
#include "devices/opencl/program_cache.h"

namespace nuri::opencl {

// Which GEMM kernel serves row-major B: the local-memory tiles (GPUs) or the register-blocked
// variant without barriers (CPU drivers), which first lays a transposed B out row-major.
enum class GemmKernel { Auto, Tiled, Blocked };

struct KernelGeometry {
  bool gemm_blocked = false;  // resolved from GemmKernel and the device type
  size_t gemm_tile = 64;      // GEMM_TM = GEMM_TN; a work-group is (tile/4) x (tile/4)
  size_t norm_wg = 64;        // work-group of the row reductions and attention (power of two)
};

class KernelLibrary {
 public:
  KernelLibrary(std::shared_ptr<ClContext> ctx, const ProgramCacheOptions& cache,
                GemmKernel gemm = GemmKernel::Auto);
  ClKernel kernel(const char* name) const;
  const ClContext& ctx() const { return *ctx_; }
  const std::shared_ptr<ClContext>& ctx_ptr() const { return ctx_; }
  const KernelGeometry& geometry() const { return geometry_; }
  bool from_cache() const { return built_.from_cache; }
  const std::string& cache_file() const { return built_.cache_file; }

 private:
  std::shared_ptr<ClContext> ctx_;
  KernelGeometry geometry_;
  BuiltProgram built_;
};

}  // namespace nuri::opencl
