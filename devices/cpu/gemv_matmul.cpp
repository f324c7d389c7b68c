#include "devices/cpu/gemv_matmul.h"

#include "kernels/cpu_fast/fast_gemv.h"
#include "kernels/cpu_fast/fast_ops.h"

namespace nuri::cpu {

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
  if (int8) {
    g->w_s8_.resize(elems);
    g->scales_.resize(n);
    fast::pack_gemv_s8(s.b_const, k, n, s.b_strides[0], s.b_strides[1], s.b_scale, g->w_s8_.data(),
                       g->scales_.data());
  } else {
    g->w_f32_.resize(elems);
    fast::pack_gemv_f32(s.b_const, k, n, s.b_strides[0], s.b_strides[1], s.b_scale,
                        g->w_f32_.data());
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
