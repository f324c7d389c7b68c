#include "devices/cpu/onednn_int8_matmul.h"

#include <cstring>

namespace nuri::cpu {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

}  // namespace

OnednnInt8Matmul::OnednnInt8Matmul(const Int8MatmulSpec& s, const dnnl::engine& engine) {
  a_zp_ = s.a_zero_point;
  const dnnl::memory::dims a_dims{s.m, s.k}, b_dims{s.k, s.n}, out_dims{s.m, s.n};
  using Out = Int8MatmulSpec::Out;
  const dt out_type = s.out == Out::Int32
                          ? dt::s32
                          : (s.out == Out::F32 ? dt::f32 : (s.y_unsigned ? dt::u8 : dt::s8));
  bias_ = s.out == Out::F32 && !s.bias.empty();
  const dnnl::memory::desc a_md(a_dims, s.a_unsigned ? dt::u8 : dt::s8, tag::ab);
  const dnnl::memory::desc b_user_md(b_dims, dt::s8, s.b_transposed ? tag::ba : tag::ab);
  const dnnl::memory::desc b_md(b_dims, dt::s8, tag::any);
  const dnnl::memory::desc out_md(out_dims, out_type, tag::ab);

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (a_zp_) attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  if (s.out != Out::Int32) {
    // Mask 1 << 1: one scale per output column (per tensor when a single scale is given).
    const int mask = s.output_scales.size() == 1 ? 0 : 1 << 1;
    attr.set_output_scales(mask, s.output_scales);
    if (s.y_zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {s.y_zero_point});
  }
  // The bias as a post-op: post-ops follow the output scales (oneDNN 2.x adds a primitive
  // bias before them, in the accumulator's units).
  const dnnl::memory::desc bias_md({1, s.n}, dt::f32, tag::ab);
  if (bias_) {
    dnnl::post_ops ops;
    ops.append_binary(dnnl::algorithm::binary_add, bias_md);
    attr.set_post_ops(ops);
  }
  const dnnl::matmul::desc desc(a_md, b_md, out_md);
  const dnnl::matmul::primitive_desc pd(desc, attr, engine);
  prim_ = dnnl::matmul(pd);
  impl_name_ = pd.impl_info_str();
  scratchpad_bytes_ = pd.scratchpad_desc().get_size();

  a_mem_ = dnnl::memory(pd.src_desc(), engine, DNNL_MEMORY_NONE);
  out_mem_ = dnnl::memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE);
  scratch_mem_ = dnnl::memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
  if (a_zp_) a_zp_mem_ = dnnl::memory({{1}, dt::s32, tag::x}, engine);
  if (bias_) {
    bias_mem_ = dnnl::memory(bias_md, engine);
    std::memcpy(bias_mem_.get_data_handle(), s.bias.data(), s.bias.size() * sizeof(float));
  }
  // Pack the weights into the primitive's layout once.
  dnnl::memory user(b_user_md, engine, const_cast<int8_t*>(s.b));
  b_mem_ = dnnl::memory(pd.weights_desc(), engine);
  dnnl::stream stream(engine);
  dnnl::reorder(user, b_mem_).execute(stream, user, b_mem_);
  stream.wait();
}

void OnednnInt8Matmul::execute(dnnl::stream& stream, const void* a, int32_t a_zero_point, void* out,
                               void* scratchpad) {
  a_mem_.set_data_handle(const_cast<void*>(a));
  out_mem_.set_data_handle(out);
  scratch_mem_.set_data_handle(scratchpad);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, a_mem_},
                                             {DNNL_ARG_WEIGHTS, b_mem_},
                                             {DNNL_ARG_DST, out_mem_},
                                             {DNNL_ARG_SCRATCHPAD, scratch_mem_}};
  if (a_zp_) {
    *static_cast<int32_t*>(a_zp_mem_.get_data_handle()) = a_zero_point;
    args.emplace(DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, a_zp_mem_);
  }
  if (bias_) args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, bias_mem_);
  prim_.execute(stream, args);
}

}  // namespace nuri::cpu
