// oneDNN called directly (no Nuri in between): the baselines the cpu engine's MatMul and row
// ops are measured against. Primitives are created once and weights packed once into the
// primitive's preferred layout, as a careful direct user would do.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

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

// A row op over the last axis of a [rows, cols] f32 tensor with oneDNN's own primitive:
// softmax, layer normalization (scale and shift) or GELU (erf or tanh), on the calling thread's
// OpenMP team.
class DirectRowOp {
 public:
  enum class Kind { Softmax, LayerNorm, GeluErf, GeluTanh };
  // gamma and beta ([cols]) are LayerNorm's and only read by it.
  DirectRowOp(Kind kind, int64_t rows, int64_t cols, const float* src, float* dst,
              const float* gamma = nullptr, const float* beta = nullptr, float eps = 1e-5f);
  void run();

 private:
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{engine_};
  dnnl::primitive prim_;
  std::unordered_map<int, dnnl::memory> args_;
};

}  // namespace nuri::baselines
