#include "devices/opencl/kernel_library.h"

#include <fmt/format.h>

#include "kernels/opencl/opencl_sources.h"

namespace nuri::opencl {

KernelLibrary::KernelLibrary(std::shared_ptr<ClContext> ctx, const ProgramCacheOptions& cache,
                             GemmKernel gemm)
    : ctx_(std::move(ctx)) {
  geometry_.gemm_blocked =
      gemm == GemmKernel::Blocked || (gemm == GemmKernel::Auto && !ctx_->is_gpu);
  // A 64x64 GEMM tile needs 256 work-items per group; fall back to 32x32 (64) on devices
  // that allow fewer.
  geometry_.gemm_tile = ctx_->max_work_group >= 256 ? 64 : 32;
  geometry_.norm_wg = 1;
  while (geometry_.norm_wg * 2 <= std::min<size_t>(ctx_->max_work_group, 64))
    geometry_.norm_wg *= 2;
  const std::string options =
      fmt::format("-cl-std=CL1.2 -DGEMM_TM={0} -DGEMM_TN={0} -DGEMM_TK=16 -DNORM_WG={1}",
                  geometry_.gemm_tile, geometry_.norm_wg);
  built_ = build_program(*ctx_, kernels::opencl_program_source(), options, cache);
}

ClKernel KernelLibrary::kernel(const char* name) const {
  cl_int err = CL_SUCCESS;
  ClKernel k(clCreateKernel(built_.program.get(), name, &err));
  check(err, (std::string("clCreateKernel(") + name + ")").c_str());
  return k;
}

}  // namespace nuri::opencl
