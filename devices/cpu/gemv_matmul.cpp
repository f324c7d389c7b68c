#include "devices/cpu/gemv_matmul.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/cpu_fast/fast_gemv.h"
#include "kernels/cpu_fast/fast_ops.h"

namespace nuri::cpu {
namespace {

// The packers read floats; b_const may sit at any byte address (a view of a mapped ONNX file),
// so a weight off a float boundary is copied aligned (into the compile's staging buffer, or
// `own`) for the packing only.
const float* float_weights(const MatmulSpec& s, std::vector<float>& own) {
  if (reinterpret_cast<uintptr_t>(s.b_const) % alignof(float) == 0)
    return reinterpret_cast<const float*>(s.b_const);
  const int64_t span = s.b_span_elements();
  std::vector<float>& staged = s.staging ? *s.staging : own;
  if (staged.size() < static_cast<size_t>(span)) staged.resize(static_cast<size_t>(span));
  std::memcpy(staged.data(), s.b_const, static_cast<size_t>(span) * sizeof(float));
  return staged.data();
}

}  // namespace

std::unique_ptr<GemvMatmul> GemvMatmul::create(const MatmulSpec& s, bool int8) {
  if (!s.b_const || s.a_dims.size() != 2 || s.b_dims.size() != 2) return nullptr;
  const int64_t m = s.a_dims[0], k = s.a_dims[1], n = s.b_dims[1];
  if (m < 1 || m > kMaxRows || k < 1 || n < 1) return nullptr;
  if (s.a_strides[1] != 1 || (m > 1 && s.a_strides[0] != k)) return nullptr;
  if (!s.addend_dims.empty() && s.addend_dims != s.out_dims) return nullptr;
  std::unique_ptr<GemvMatmul> g(new GemvMatmul);
  g->m_ = m;
  g->k_ = k;
  g->n_ = n;
  g->bias_ = s.bias;
  g->activation_ = s.activation;
  const int64_t elems = fast::gemv_packed_elements(k, n);
  std::vector<float> staged;
  const float* w = float_weights(s, staged);
  if (int8) {
    g->w_s8_.resize(elems);
    g->scales_.resize(n);
    fast::pack_gemv_s8(w, k, n, s.b_strides[0], s.b_strides[1], s.b_scale, g->w_s8_.data(),
                       g->scales_.data());
  } else {
    g->w_f32_.resize(elems);
    fast::pack_gemv_f32(w, k, n, s.b_strides[0], s.b_strides[1], s.b_scale, g->w_f32_.data());
  }
  return g;
}

int64_t GemvMatmul::weight_bytes() const {
  return int8() ? static_cast<int64_t>(w_s8_.size() + scales_.size() * sizeof(float))
                : static_cast<int64_t>(w_f32_.size() * sizeof(float));
}

void GemvMatmul::execute(ThreadPool& pool, const float* a, const float* addend, float* out) const {
  fast::GemvArgs args;
  args.x = a;
  args.rows = m_;
  args.x_stride = k_;
  args.k = k_;
  args.n = n_;
  args.w_f32 = int8() ? nullptr : w_f32_.data();
  args.w_s8 = int8() ? w_s8_.data() : nullptr;
  args.scales = int8() ? scales_.data() : nullptr;
  args.y = out;
  args.y_stride = n_;
  pool.parallel_for(fast::gemv_panels(n_), [&](int64_t p0, int64_t p1) {
    fast::gemv(args, p0, p1);
    // The post-ops on this chunk's columns, while they are in cache.
    const int64_t j0 = p0 * fast::kGemvPanel, j1 = std::min(n_, p1 * fast::kGemvPanel);
    for (int64_t r = 0; r < m_; ++r) {
      float* y = out + r * n_ + j0;
      if (!bias_.empty())
        fast::binary_rows(fast::Binary::Add, y, bias_.data() + j0, 0, y, 1, j1 - j0);
      if (activation_ != MatmulActivation::None)
        fast::activation(activation_ == MatmulActivation::Relu       ? fast::Activation::Relu
                         : activation_ == MatmulActivation::GeluTanh ? fast::Activation::GeluTanh
                                                                     : fast::Activation::GeluErf,
                         y, y, j1 - j0);
      if (addend) fast::binary_rows(fast::Binary::Add, y, addend + r * n_ + j0, 0, y, 1, j1 - j0);
    }
  });
}

}  // namespace nuri::cpu
