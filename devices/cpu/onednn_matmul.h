// One MatMul/Gemm step on a oneDNN matmul primitive, created once: constant weights are
// reordered (and for bf16 converted) into the primitive's preferred blocked layout at compile
// time; bias, a runtime addend and an activation run as post-ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "devices/cpu/huge_page_buffer.h"

namespace nuri::cpu {

enum class MatmulActivation { None, GeluTanh, GeluErf, Relu };

struct MatmulSpec {
  // Equal-rank dims (rank 2..5); a/b strides in elements (transposed Gemm operands).
  std::vector<int64_t> a_dims, a_strides, b_dims, b_strides, out_dims;
  // Constant f32 weights at any byte address (a view of a mapped ONNX file), or null: B comes
  // at run time.
  const std::byte* b_const = nullptr;
  float b_scale = 1.0f;     // folded into constant weights (Gemm alpha)
  std::vector<float> bias;  // N values (already beta-scaled), or empty
  // A runtime tensor added after the bias (Gemm C), broadcast per these dims; empty = none.
  std::vector<int64_t> addend_dims;
  MatmulActivation activation = MatmulActivation::None;
  bool bf16 = false;  // needs b_const and a plain row-major A
  // A reusable buffer for staging b_const (unaligned or scaled) where it is packed at once (the
  // GEMV path); null: a buffer of its own.
  std::vector<float>* staging = nullptr;

  // Elements of b_const the strided view covers, first to last.
  int64_t b_span_elements() const {
    int64_t span = 1;
    for (size_t i = 0; i < b_dims.size(); ++i) span += (b_dims[i] - 1) * b_strides[i];
    return span;
  }
};

class OnednnMatmul {
 public:
  // Creates the primitive and the packed weights' memory; throws dnnl::error when oneDNN has no
  // implementation (the caller falls back). Constant weights are packed by pack_weights(), so a
  // compile can pack all its matmuls' weights in parallel: spec.b_const must stay valid until
  // then.
  OnednnMatmul(const MatmulSpec& spec, const dnnl::engine& engine);

  // Constant weights waiting for pack_weights(), and their packed size.
  bool weights_pending() const { return pending_ != nullptr; }
  size_t packed_weight_bytes() const { return b_packed_.size(); }
  // Reorders (and scales/converts) the constant weights into the packed layout, once; may run
  // on any thread. `staging`: the calling thread's buffer for weights that need an aligned or
  // scaled copy first. Throws dnnl::error or nuri::Error.
  void pack_weights(std::vector<float>& staging);

  size_t scratchpad_bytes() const { return scratchpad_bytes_; }
  // Elements of A (bf16 needs them converted first, into a buffer of a_elements() * 2 bytes).
  int64_t a_elements() const { return a_elements_; }
  bool bf16() const { return bf16_; }
  const char* impl_name() const { return impl_name_; }

  // a is f32, or bf16 already converted when bf16(); b is null for constant weights (packed).
  void execute(dnnl::stream& stream, const void* a, const float* b, const float* addend, float* out,
               void* scratchpad);

 private:
  static void stage_rows(const MatmulSpec& s, int64_t first, int64_t count, float* dst);
  bool pack_in_row_blocks(const MatmulSpec& s, dnnl::stream& stream, bool stage,
                          std::vector<float>& staged);

  dnnl::engine engine_;
  std::unique_ptr<MatmulSpec> pending_;  // constant weights not packed yet
  dnnl::matmul prim_;
  HugePageBuffer b_packed_;  // constant weights in the primitive's layout
  dnnl::memory a_mem_, b_mem_, bias_mem_, addend_mem_, out_mem_, scratch_mem_;
  bool const_b_ = false, has_bias_ = false, has_addend_ = false, bf16_ = false;
  size_t scratchpad_bytes_ = 0;
  int64_t a_elements_ = 0;
  const char* impl_name_ = "";
};

}  // namespace nuri::cpu
