#include "devices/cpu/onednn_matmul.h"

#include <cstring>

#include "compiler/ir/mapped_file.h"
#include "nuri/error.hpp"

namespace nuri::cpu {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::dims dims_of(const std::vector<int64_t>& v) {
  return {v.begin(), v.end()};
}

dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims, dt type) {
  dnnl::memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return {dims_of(dims), type, strides};
}

dnnl::algorithm eltwise_algorithm(MatmulActivation a) {
  switch (a) {
    case MatmulActivation::GeluTanh:
      return dnnl::algorithm::eltwise_gelu_tanh;
    case MatmulActivation::GeluErf:
      return dnnl::algorithm::eltwise_gelu_erf;
    case MatmulActivation::Relu:
      return dnnl::algorithm::eltwise_relu;
    case MatmulActivation::None:
      break;
  }
  return dnnl::algorithm::undef;
}

}  // namespace

// Copies `count` floats of b from element `first` into `dst` (aligned), scaled; the mapped
// pages they came from need not stay resident beside the copy.
void OnednnMatmul::stage_rows(const MatmulSpec& s, int64_t first, int64_t count, float* dst) {
  const std::byte* from = s.b_const + first * static_cast<int64_t>(sizeof(float));
  const size_t bytes = static_cast<size_t>(count) * sizeof(float);
  std::memcpy(dst, from, bytes);
  ir::release_mapped_pages(from, bytes);
  if (s.b_scale != 1.0f)
    for (int64_t i = 0; i < count; ++i) dst[i] *= s.b_scale;
}

// Packs a plain row-major [K, N] weight a block of rows at a time, each into its part of the
// packed layout, releasing each block's mapped pages once packed: at the peak only one block
// of the file (and of the staging buffer, for a weight that needs staging) is resident beside
// the packed weights, instead of the whole weight (GPT-2's MLP weights are 9 MiB). Blocks are
// about kBlockBytes of the file (64 to 256 rows: whole K blocks of oneDNN's layouts, which are
// 4, 16, 64 or 256 rows; 256 where a smaller cut fails), so weights packed on several threads
// at once keep little of the file resident. Every block but the last is the same part of the
// layout at another offset: one reorder primitive serves them all. Returns false, having
// written nothing, where the layout is padded or cannot be cut.
bool OnednnMatmul::pack_in_row_blocks(const MatmulSpec& s, dnnl::stream& stream, bool stage,
                                      std::vector<float>& staged) {
  constexpr int64_t kBlockBytes = int64_t{1} << 20;
  const dnnl::memory::desc packed = b_mem_.get_desc();
  if (s.b_dims.size() != 2 || s.b_strides[1] != 1 || s.b_strides[0] != s.b_dims[1]) return false;
  const int64_t k = s.b_dims[0], n = s.b_dims[1];
  const size_t elem = bf16_ ? 2 : 4;
  if (packed.get_size() != static_cast<size_t>(k * n) * elem) return false;
  struct Block {
    int64_t k0, rows;
    dnnl::memory::desc at_zero;  // the block's part of the layout, moved to offset 0
    size_t byte_offset;          // where the part starts in the packed buffer
  };
  std::vector<Block> blocks;
  int64_t rows = 64;
  while (rows < 256 && rows * 2 * n * static_cast<int64_t>(sizeof(float)) <= kBlockBytes) rows *= 2;
  for (const int64_t try_rows : {rows, int64_t{256}}) {
    if (!blocks.empty() || k <= try_rows) break;
    for (int64_t k0 = 0; k0 < k; k0 += try_rows) {
      const int64_t r = std::min(try_rows, k - k0);
      const dnnl::memory::desc part = packed.submemory_desc({r, n}, {k0, 0}, /*allow_empty=*/true);
      if (part.is_zero()) {
        blocks.clear();
        break;
      }
      dnnl_memory_desc_t d = part.data;
      const auto offset = static_cast<size_t>(d.offset0) * elem;
      d.offset0 = 0;
      blocks.push_back({k0, r, dnnl::memory::desc(d), offset});
    }
  }
  if (blocks.empty()) return false;
  const int64_t most = blocks.front().rows;
  if (stage && staged.size() < static_cast<size_t>(most * n))
    staged.resize(static_cast<size_t>(most * n));
  dnnl::reorder prim;
  const Block* prim_for = nullptr;  // the block prim was created for
  for (const Block& b : blocks) {
    const std::byte* from_file = s.b_const + b.k0 * n * static_cast<int64_t>(sizeof(float));
    if (stage) stage_rows(s, b.k0 * n, b.rows * n, staged.data());
    void* from = stage ? static_cast<void*>(staged.data()) : const_cast<std::byte*>(from_file);
    dnnl::memory src(plain_desc({b.rows, n}, dt::f32), engine_, from);
    dnnl::memory dst(b.at_zero, engine_, static_cast<std::byte*>(b_packed_.data()) + b.byte_offset);
    if (!prim_for || prim_for->rows != b.rows || prim_for->at_zero != b.at_zero) {
      prim = dnnl::reorder(src, dst);
      prim_for = &b;
    }
    prim.execute(stream, src, dst);
    stream.wait();  // the staging buffer is refilled next
    if (!stage)
      ir::release_mapped_pages(from_file, static_cast<size_t>(b.rows * n) * sizeof(float));
  }
  return true;
}

void OnednnMatmul::pack_weights(std::vector<float>& staged) {
  if (!pending_) return;
  const MatmulSpec& s = *pending_;
  const int64_t span = s.b_span_elements();
  const size_t span_bytes = static_cast<size_t>(span) * sizeof(float);
  // oneDNN reads its source as floats: weights off a float boundary (where an exporter put
  // them in the file) are staged through an aligned buffer.
  const bool stage = s.b_scale != 1.0f || reinterpret_cast<uintptr_t>(s.b_const) % alignof(float);
  dnnl::stream stream(engine_);
  if (!pack_in_row_blocks(s, stream, stage, staged)) {
    const void* src = s.b_const;
    if (stage) {
      if (staged.size() < static_cast<size_t>(span)) staged.resize(static_cast<size_t>(span));
      stage_rows(s, 0, span, staged.data());
      src = staged.data();
    }
    const dnnl::memory::desc user_md(dims_of(s.b_dims), dt::f32, dims_of(s.b_strides));
    dnnl::memory user(user_md, engine_, const_cast<void*>(src));
    dnnl::reorder(user, b_mem_).execute(stream, user, b_mem_);
    stream.wait();
  }
  // The packed copy replaces the weight: pages of a memory-mapped model file it came from
  // need not stay resident (they read back from the file if anything looks again).
  ir::release_mapped_pages(s.b_const, span_bytes);
  pending_.reset();
}

OnednnMatmul::OnednnMatmul(const MatmulSpec& s, const dnnl::engine& engine) : engine_(engine) {
  const size_t rank = s.out_dims.size();
  bf16_ = s.bf16 && s.b_const;
  const_b_ = s.b_const != nullptr;
  has_bias_ = !s.bias.empty();
  has_addend_ = !s.addend_dims.empty();
  const dt compute = bf16_ ? dt::bf16 : dt::f32;

  const dnnl::memory::desc a_md(dims_of(s.a_dims), compute, dims_of(s.a_strides));
  const dnnl::memory::desc b_user_md(dims_of(s.b_dims), dt::f32, dims_of(s.b_strides));
  // Constant weights: let oneDNN choose the layout and pack them once.
  const dnnl::memory::desc b_md =
      const_b_ ? dnnl::memory::desc(dims_of(s.b_dims), compute, tag::any) : b_user_md;
  std::vector<int64_t> bias_dims(rank, 1);
  bias_dims.back() = s.out_dims.back();
  const dnnl::memory::desc bias_md =
      has_bias_ ? plain_desc(bias_dims, dt::f32) : dnnl::memory::desc();
  const dnnl::memory::desc out_md = plain_desc(s.out_dims, dt::f32);

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  dnnl::memory::desc addend_md;
  if (has_addend_) {
    addend_md = plain_desc(s.addend_dims, dt::f32);
    ops.append_binary(dnnl::algorithm::binary_add, addend_md);
  }
  if (s.activation != MatmulActivation::None)
    ops.append_eltwise(1.0f, eltwise_algorithm(s.activation), 0.0f, 0.0f);
  attr.set_post_ops(ops);

  const dnnl::matmul::desc desc(a_md, b_md, bias_md, out_md);
  const dnnl::matmul::primitive_desc pd(desc, attr, engine);
  prim_ = dnnl::matmul(pd);
  impl_name_ = pd.impl_info_str();
  scratchpad_bytes_ = pd.scratchpad_desc().get_size();
  a_elements_ = 1;
  for (int64_t d : s.a_dims) a_elements_ *= d;

  a_mem_ = dnnl::memory(pd.src_desc(), engine, DNNL_MEMORY_NONE);
  out_mem_ = dnnl::memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE);
  scratch_mem_ = dnnl::memory(pd.scratchpad_desc(), engine, DNNL_MEMORY_NONE);
  if (const_b_) {
    b_packed_ = HugePageBuffer(pd.weights_desc().get_size(), "packed weights");
    b_mem_ = dnnl::memory(pd.weights_desc(), engine, b_packed_.data());
    pending_ = std::make_unique<MatmulSpec>(s);
    pending_->bias.clear();  // in bias_mem_
    pending_->staging = nullptr;
  } else {
    b_mem_ = dnnl::memory(pd.weights_desc(), engine, DNNL_MEMORY_NONE);
  }
  if (has_bias_) {
    bias_mem_ = dnnl::memory(bias_md, engine);
    std::memcpy(bias_mem_.get_data_handle(), s.bias.data(), s.bias.size() * sizeof(float));
  }
  if (has_addend_) addend_mem_ = dnnl::memory(addend_md, engine, DNNL_MEMORY_NONE);
}

void OnednnMatmul::execute(dnnl::stream& stream, const void* a, const float* b, const float* addend,
                           float* out, void* scratchpad) {
  if (pending_) throw Error("cpu: matmul run before its weights were packed");
  a_mem_.set_data_handle(const_cast<void*>(a));
  out_mem_.set_data_handle(out);
  scratch_mem_.set_data_handle(scratchpad);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, a_mem_},
                                             {DNNL_ARG_WEIGHTS, b_mem_},
                                             {DNNL_ARG_DST, out_mem_},
                                             {DNNL_ARG_SCRATCHPAD, scratch_mem_}};
  if (!const_b_) b_mem_.set_data_handle(const_cast<float*>(b));
  if (has_bias_) args.emplace(DNNL_ARG_BIAS, bias_mem_);
  if (has_addend_) {
    addend_mem_.set_data_handle(const_cast<float*>(addend));
    args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, addend_mem_);
  }
  prim_.execute(stream, args);
}

}  // namespace nuri::cpu
