#include "tools/baselines/direct_onednn.h"

namespace nuri::baselines {

DirectMatmul::DirectMatmul(int64_t m, int64_t n, int64_t k, const float* weights, const float* src,
                           float* dst) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  const dnnl::memory::desc src_md({m, k}, dt::f32, tag::ab), dst_md({m, n}, dt::f32, tag::ab);
  const dnnl::memory::desc w_any({k, n}, dt::f32, tag::any), w_user({k, n}, dt::f32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_any, dst_md), engine_);
  prim_ = dnnl::matmul(pd);
  dnnl::memory user(w_user, engine_, const_cast<float*>(weights));
  weights_ = dnnl::memory(pd.weights_desc(), engine_);
  dnnl::reorder(user, weights_).execute(stream_, user, weights_);
  stream_.wait();
  src_ = dnnl::memory(src_md, engine_, const_cast<float*>(src));
  dst_ = dnnl::memory(dst_md, engine_, dst);
}

void DirectMatmul::run() {
  prim_.execute(stream_,
                {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst_}});
  stream_.wait();
}

DirectRowOp::DirectRowOp(Kind kind, int64_t rows, int64_t cols, const float* src, float* dst,
                         const float* gamma, const float* beta, float eps) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  const auto inference = dnnl::prop_kind::forward_inference;
  const dnnl::memory::desc md({rows, cols}, dt::f32, tag::ab);
  args_[DNNL_ARG_SRC] = dnnl::memory(md, engine_, const_cast<float*>(src));
  args_[DNNL_ARG_DST] = dnnl::memory(md, engine_, dst);
  switch (kind) {
    case Kind::Softmax:
      prim_ =
          dnnl::softmax_forward({dnnl::softmax_forward::desc(inference, md, /*axis=*/1), engine_});
      break;
    case Kind::LayerNorm: {
      const auto flags =
          dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
      prim_ = dnnl::layer_normalization_forward(
          {dnnl::layer_normalization_forward::desc(inference, md, eps, flags), engine_});
      const dnnl::memory::desc vec({cols}, dt::f32, tag::a);
      args_[DNNL_ARG_SCALE] = dnnl::memory(vec, engine_, const_cast<float*>(gamma));
      args_[DNNL_ARG_SHIFT] = dnnl::memory(vec, engine_, const_cast<float*>(beta));
      break;
    }
    case Kind::GeluErf:
    case Kind::GeluTanh: {
      const auto alg = kind == Kind::GeluErf ? dnnl::algorithm::eltwise_gelu_erf
                                             : dnnl::algorithm::eltwise_gelu_tanh;
      prim_ = dnnl::eltwise_forward(
          {dnnl::eltwise_forward::desc(inference, alg, md, 0.0f, 0.0f), engine_});
      break;
    }
  }
}

void DirectRowOp::run() {
  prim_.execute(stream_, args_);
  stream_.wait();
}

}  // namespace nuri::baselines
