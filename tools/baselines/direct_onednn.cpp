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

}  // namespace nuri::baselines
