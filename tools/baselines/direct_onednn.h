// oneDNN called directly (no Nuri in between): the baseline the cpu engine's MatMul is
// measured against. Weights are packed once into the primitive's preferred layout, as a
// careful direct user would do.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>

namespace nuri::baselines {

class DirectMatmul {
 public:
  // dst[M, N] = src[M, K] * weights[K, N], f32, on the calling thread's OpenMP team.
  DirectMatmul(int64_t m, int64_t n, int64_t k, const float* weights, const float* src, float* dst);
  void run();

 private:
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
  dnnl::matmul prim_;
  dnnl::memory src_, weights_, dst_;
};

}  // namespace nuri::baselines
