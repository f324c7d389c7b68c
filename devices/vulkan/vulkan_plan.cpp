#include "devices/vulkan/vulkan_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include "compiler/ir/op_params.h"
#include "compiler/memory/memory_plan.h"
#include "kernels/cpu/broadcast.h"
#include "nuri/error.hpp"

namespace nuri::vulkan {
namespace {

using ir::OpKind;
using kernels::vk::Dispatch;
using kernels::vk::Kernel;

constexpr int kMaxRank = 6;                        // binary and copy kernels index up to 6 dims
constexpr int64_t kMaxAttentionKeys = 2048;        // attention.comp's shared score row
constexpr int64_t kMaxHeadDim = 256;               // attention.comp's shared query row
constexpr uint64_t kAlignWords = 16;               // 64-byte regions
constexpr int64_t kBlockRows = 4, kBlockVec4 = 4;  // matmul_blocked.comp's R and CV
constexpr int64_t kBlockCols = 4;                  // matmul_blocked_nt.comp's C (R: kBlockRows)

uint32_t u32(int64_t v) {
  return static_cast<uint32_t>(v);
}
uint32_t f32_bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

std::vector<int64_t> contiguous_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

class Planner {
 public:
  // `far`: constants placed from word `far_base` on, after everything the storage buffer
  // binding must reach (far_base 0: left unplaced, to measure that region).
  Planner(const ir::Graph& g, const PlanOptions& o, const std::set<ir::ValueId>& far = {},
          uint64_t far_base = 0)
      : g_(g), options_(o), far_(far), far_base_(far_base) {}

  Plan run() {
    plan_.value_word.assign(g_.values().size(), 0);
    ssbo_read_.assign(g_.values().size(), false);
    alias_root_.resize(g_.values().size());
    for (size_t v = 0; v < alias_root_.size(); ++v) alias_root_[v] = static_cast<ir::ValueId>(v);
    std::vector<bool> placed(g_.values().size(), false);
    uint64_t far_next = far_base_;
    for (ir::ValueId v : far_) {
      plan_.value_word[v] = far_next;
      far_next = align(far_next + words_of(g_.value(v).type));
      placed[v] = true;
    }
    next_ = kAlignWords;  // word 0..15: reserved
    place_activations(placed);
    // Then constants, scratch and the fault words. Reshape-like outputs alias their input.
    for (ir::NodeId id : g_.topo_order()) {
      const ir::Node& n = g_.node(id);
      for (ir::ValueId v : n.inputs)
        if (v != ir::kNoValue && !placed[v]) place(v, placed);
      if (n.op == OpKind::Reshape || n.op == OpKind::Squeeze || n.op == OpKind::Unsqueeze) {
        plan_.value_word[n.outputs[0]] = plan_.value_word[n.inputs[0]];
        alias_root_[n.outputs[0]] = alias_root_[n.inputs[0]];
        placed[n.outputs[0]] = true;
        continue;
      }
      for (ir::ValueId v : n.outputs)
        if (!placed[v]) place(v, placed);
      lower(n);
    }
    for (size_t v = 0; v < g_.values().size(); ++v)
      if (!placed[v]) place(static_cast<ir::ValueId>(v), placed);
    for (FaultWord& f : plan_.faults) f.word = next_++;
    plan_.storage_words = next_;
    plan_.arena_words = std::max(next_, far_next);
    return std::move(plan_);
  }

  // Non-constant values share one region by lifetime (ir::plan_arena over the topological
  // order: every dispatch ends with a barrier, so a region freed by one node is safe to reuse
  // by a later one). A reshape-like output aliases its input, which then lives as long as
  // either. Leaves next_ past the region.
  void place_activations(std::vector<bool>& placed) {
    const std::vector<ir::NodeId> order = g_.topo_order();
    for (ir::NodeId id : order) {
      const ir::Node& n = g_.node(id);
      if (n.op == OpKind::Reshape || n.op == OpKind::Squeeze || n.op == OpKind::Unsqueeze)
        alias_root_[n.outputs[0]] = alias_root_[n.inputs[0]];
    }
    const ir::GraphLifetimes lives = ir::graph_lifetimes(g_, order);
    std::vector<ir::ValueId> roots;
    std::vector<ir::BufferLifetime> buffers;
    std::map<ir::ValueId, size_t> index;
    for (size_t i = 0; i < lives.values.size(); ++i) {
      const ir::ValueId root = alias_root_[lives.values[i]];
      if (g_.value(root).kind == ir::ValueKind::Constant) continue;
      const ir::BufferLifetime& l = lives.lifetimes[i];
      auto [it, fresh] = index.try_emplace(root, buffers.size());
      if (fresh) {
        roots.push_back(root);
        buffers.push_back(
            {std::max<size_t>(words_of(g_.value(root).type) * 4, 4), l.first, l.last});
      } else {
        buffers[it->second].first = std::min(buffers[it->second].first, l.first);
        buffers[it->second].last = std::max(buffers[it->second].last, l.last);
      }
    }
    const ir::ArenaPlan arena = ir::plan_arena(buffers, kAlignWords * 4);
    for (size_t i = 0; i < roots.size(); ++i) {
      plan_.value_word[roots[i]] = next_ + arena.offsets[i] / 4;
      placed[roots[i]] = true;
    }
    next_ = align(next_ + arena.peak_bytes / 4);
  }

  // Whether a shader reads or writes value v (or a reshape aliasing it) through the storage
  // buffer binding, rather than only through the texel view.
  bool ssbo_read(ir::ValueId v) const { return ssbo_read_[v]; }
  static uint64_t align(uint64_t words) {
    return (words + kAlignWords - 1) / kAlignWords * kAlignWords;
  }

 private:
  void place(ir::ValueId v, std::vector<bool>& placed) {
    plan_.value_word[v] = next_;
    next_ += words_of(g_.value(v).type);
    next_ = (next_ + kAlignWords - 1) / kAlignWords * kAlignWords;
    placed[v] = true;
  }
  uint64_t scratch(uint64_t words) {
    const uint64_t at = next_;
    next_ = (next_ + words + kAlignWords - 1) / kAlignWords * kAlignWords;
    return at;
  }
  static uint64_t words_of(const ir::TensorType& t) { return (t.nbytes() + 3) / 4; }

  [[noreturn]] void unsupported(const ir::Node& n, const std::string& why) const {
    throw Error(fmt::format("vulkan: node '{}' ({}): {}", n.name, ir::op_name(n.op), why),
                NURI_ERROR_UNSUPPORTED);
  }
  // Types and places go through the f32 stand-ins of half values while a node is widened.
  const ir::TensorType& type_of(ir::ValueId v) const {
    auto it = widened_.find(v);
    return it != widened_.end() ? it->second.type : g_.value(v).type;
  }
  const ir::TensorType& in(const ir::Node& n, size_t i) const { return type_of(n.inputs[i]); }
  const ir::TensorType& out(const ir::Node& n, size_t i) const { return type_of(n.outputs[i]); }
  bool has(const ir::Node& n, size_t i) const {
    return i < n.inputs.size() && n.inputs[i] != ir::kNoValue;
  }
  // A value's word for a shader that addresses it through the storage buffer binding.
  uint32_t at(ir::ValueId v) {
    if (!widened_.count(v)) ssbo_read_[alias_root_[v]] = true;
    return texel_at(v);
  }
  // A value's word for a shader that reads it only through the texel view (binding 1).
  uint32_t texel_at(ir::ValueId v) const {
    auto it = widened_.find(v);
    return u32(it != widened_.end() ? it->second.word : plan_.value_word[v]);
  }
  std::string label(const ir::Node& n) const {
    return fmt::format("node '{}' ({})", n.name, ir::op_name(n.op));
  }
  void require_f32(const ir::Node& n) const {
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (has(n, i) && in(n, i).dtype != DType::F32)
        unsupported(n, fmt::format("input {} is {}; the shaders compute f32 only", i,
                                   dtype_name(in(n, i).dtype)));
  }
  // Data movement copies 32-bit words: 4- and 8-byte elements only.
  int64_t words_per_element(const ir::Node& n, DType t) const {
    const size_t s = dtype_size(t);
    if (s != 4 && s != 8)
      unsupported(n, fmt::format("{} elements are not whole 32-bit words", dtype_name(t)));
    return static_cast<int64_t>(s / 4);
  }
  void emit(Dispatch d) { plan_.dispatches.push_back(std::move(d)); }

  // A strided word copy; dims/strides in elements of `w` words each.
  void copy(const ir::Node& n, int64_t src, int64_t dst, Shape dims, std::vector<int64_t> sst,
            std::vector<int64_t> dst_st, int64_t w) {
    int64_t count = num_elements(dims) * w;
    if (count == 0) return;
    if (w > 1) {
      for (auto& s : sst) s *= w;
      for (auto& s : dst_st) s *= w;
      dims.push_back(w);
      sst.push_back(1);
      dst_st.push_back(1);
    }
    if (dims.size() > kMaxRank) unsupported(n, "more than 6 dims to copy");
    while (dims.size() < kMaxRank) {
      dims.insert(dims.begin(), 1);
      sst.insert(sst.begin(), 0);
      dst_st.insert(dst_st.begin(), 0);
    }
    Dispatch d{Kernel::Copy, {u32(src), u32(dst), u32(count)}, {1, 1, 1}, label(n)};
    for (int64_t x : dims) d.push.push_back(u32(x));
    for (int64_t x : sst) d.push.push_back(u32(x));
    for (int64_t x : dst_st) d.push.push_back(u32(x));
    d.groups[0] = kernels::vk::groups_for(count);
    emit(std::move(d));
  }

  static bool is_half(DType t) { return t == DType::F16 || t == DType::BF16; }
  static uint32_t cast_code(DType t) {
    switch (t) {
      case DType::F32:
        return 0;
      case DType::I32:
        return 1;
      case DType::Bool:
        return 2;
      case DType::F16:
        return 3;
      case DType::BF16:
        return 4;
      default:
        return 99;
    }
  }
  void cast_dispatch(const ir::Node& n, uint64_t src, uint64_t dst, int64_t count, DType from,
                     DType to) {
    if (count == 0) return;
    const uint32_t per_word = to == DType::Bool ? 4 : is_half(to) ? 2 : 1;
    Dispatch d{Kernel::Cast,
               {u32(src), u32(dst), u32(count), cast_code(from), cast_code(to)},
               {1, 1, 1},
               label(n)};
    d.groups[0] = kernels::vk::groups_for((count + per_word - 1) / per_word);
    emit(std::move(d));
  }

  // f16/bf16 operands are computed in f32, as the reference does: each half input is widened
  // into an f32 scratch copy, the node runs on those, and each half result is rounded back to
  // nearest even. Data movement round-trips exactly.
  void lower(const ir::Node& n) {
    bool half = false;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      half = half || (has(n, i) && is_half(in(n, i).dtype));
    for (ir::ValueId v : n.outputs) half = half || is_half(g_.value(v).type.dtype);
    if (!half || n.op == OpKind::Cast) return lower_f32(n);
    std::vector<ir::ValueId> narrowed;
    for (ir::ValueId v : n.inputs) {
      if (v == ir::kNoValue || !is_half(g_.value(v).type.dtype) || widened_.count(v)) continue;
      const ir::TensorType& t = g_.value(v).type;
      const uint64_t word = scratch(static_cast<uint64_t>(t.numel()));
      cast_dispatch(n, plan_.value_word[v], word, t.numel(), t.dtype, DType::F32);
      widened_[v] = {word, {DType::F32, t.shape}};
    }
    for (ir::ValueId v : n.outputs) {
      const ir::TensorType& t = g_.value(v).type;
      if (!is_half(t.dtype)) continue;
      widened_[v] = {scratch(static_cast<uint64_t>(t.numel())), {DType::F32, t.shape}};
      narrowed.push_back(v);
    }
    lower_f32(n);
    for (ir::ValueId v : narrowed) {
      const ir::TensorType& t = g_.value(v).type;
      cast_dispatch(n, widened_[v].word, plan_.value_word[v], t.numel(), DType::F32, t.dtype);
    }
    widened_.clear();
  }

  void lower_f32(const ir::Node& n) {
    switch (n.op) {
      case OpKind::MatMul:
        return lower_matmul(n);
      case OpKind::Gemm:
        return lower_gemm(n);
      case OpKind::Add:
      case OpKind::Sub:
      case OpKind::Mul:
      case OpKind::Div:
      case OpKind::Pow:
        return lower_binary(n);
      case OpKind::Sqrt:
      case OpKind::Exp:
      case OpKind::Erf:
      case OpKind::Tanh:
      case OpKind::Neg:
      case OpKind::Reciprocal:
      case OpKind::Relu:
      case OpKind::Gelu:
      case OpKind::Silu:
      case OpKind::Sigmoid:
        return lower_unary(n);
      case OpKind::Softmax:
        return lower_softmax(n);
      case OpKind::LayerNorm:
      case OpKind::RMSNorm:
        return lower_norm(n);
      case OpKind::Attention:
        return lower_attention(n);
      case OpKind::Transpose:
      case OpKind::Slice:
      case OpKind::Expand:
        return lower_view_copy(n);
      case OpKind::Concat:
        return lower_concat(n);
      case OpKind::Split:
        return lower_split(n);
      case OpKind::Gather:
      case OpKind::Embedding:
        return lower_gather(n);
      case OpKind::ReduceMean:
      case OpKind::ReduceSum:
      case OpKind::ReduceMax:
        return lower_reduce(n);
      case OpKind::Where:
        return lower_where(n);
      case OpKind::Equal:
        return lower_equal(n);
      case OpKind::Cast:
        return lower_cast(n);
      case OpKind::RotaryEmbedding:
        return lower_rotary(n);
      default:
        unsupported(n, "no Vulkan kernel for this op");
    }
  }

  // a, b, c, bias: value ids (bias kNoValue when absent).
  void gemm_dispatch(const ir::Node& n, ir::ValueId av, ir::ValueId bv, ir::ValueId cv,
                     ir::ValueId biasv, int64_t m, int64_t nn, int64_t k, int64_t a_rs,
                     int64_t a_cs, int64_t b_rs, int64_t b_cs, int64_t bias_rs, int64_t bias_cs,
                     Shape batch, std::vector<int64_t> a_bs, std::vector<int64_t> b_bs, float alpha,
                     float beta, bool has_bias) {
    if (num_elements(batch) * m * nn == 0) return;
    if (batch.size() > 3) unsupported(n, "more than 3 batch dims");
    while (batch.size() < 3) {
      batch.insert(batch.begin(), 1);
      a_bs.insert(a_bs.begin(), 0);
      b_bs.insert(b_bs.begin(), 0);
    }
    // The blocked kernels read A and B as vec4 texels along K: unit stride along K, rows,
    // offsets and batch strides of whole vec4s. B row-major (K x N, N in vec4s too):
    // matmul_blocked.comp; B transposed (N x K, as a Gemm with transB): matmul_blocked_nt.comp.
    const auto whole_vec4 = [](int64_t words) { return words % 4 == 0; };
    const bool vec4_a = options_.blocked_gemm && a_cs == 1 && whole_vec4(k) && whole_vec4(a_rs) &&
                        whole_vec4(texel_at(av)) && whole_vec4(texel_at(bv)) &&
                        std::all_of(a_bs.begin(), a_bs.end(), whole_vec4) &&
                        std::all_of(b_bs.begin(), b_bs.end(), whole_vec4);
    const bool blocked = vec4_a && b_cs == 1 && whole_vec4(nn) && whole_vec4(b_rs);
    const bool blocked_nt = vec4_a && !blocked && b_rs == 1 && whole_vec4(b_cs);
    // Tiles per workgroup: 64x64 (matmul.comp); 8x8 invocations of kBlockRows x 4*kBlockVec4
    // (matmul_blocked.comp) or of kBlockRows x kBlockCols (matmul_blocked_nt.comp).
    const int64_t tile_n = blocked      ? 8 * 4 * kBlockVec4
                           : blocked_nt ? 8 * kBlockCols
                                        : 64,
                  tile_m = blocked || blocked_nt ? 8 * kBlockRows : 64;
    const int64_t gx = (nn + tile_n - 1) / tile_n, gy = (m + tile_m - 1) / tile_m,
                  gz = num_elements(batch);
    if (gx > 65535 || gy > 65535 || gz > 65535) unsupported(n, "result too large for one grid");
    const bool texel = blocked || blocked_nt;
    const uint32_t a = texel ? texel_at(av) : at(av), b = texel ? texel_at(bv) : at(bv);
    const uint32_t c = at(cv), bias = biasv != ir::kNoValue ? at(biasv) : 0;
    Dispatch d{blocked      ? Kernel::MatMulBlocked
               : blocked_nt ? Kernel::MatMulBlockedNt
                            : Kernel::MatMul,
               {a,
                b,
                c,
                bias,
                u32(m),
                u32(nn),
                u32(k),
                u32(a_rs),
                u32(a_cs),
                u32(b_rs),
                u32(b_cs),
                u32(bias_rs),
                u32(bias_cs),
                u32(batch[1]),
                u32(batch[2]),
                u32(a_bs[0]),
                u32(a_bs[1]),
                u32(a_bs[2]),
                u32(b_bs[0]),
                u32(b_bs[1]),
                u32(b_bs[2]),
                f32_bits(alpha),
                f32_bits(beta),
                has_bias ? 1u : 0u},
               {u32(gx), u32(gy), u32(gz)},
               label(n)};
    emit(std::move(d));
  }

  void lower_matmul(const ir::Node& n) {
    require_f32(n);
    Shape a = in(n, 0).shape, b = in(n, 1).shape;
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    const int64_t m = a[a.size() - 2], k = a.back(), nn = b.back();
    const Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
    const auto batch = kernels::broadcast_shapes(ab, bb);
    if (!batch) unsupported(n, "batch dims do not broadcast");
    std::vector<int64_t> a_bs = kernels::broadcast_strides(ab, *batch);
    std::vector<int64_t> b_bs = kernels::broadcast_strides(bb, *batch);
    for (auto& s : a_bs) s *= m * k;
    for (auto& s : b_bs) s *= k * nn;
    gemm_dispatch(n, n.inputs[0], n.inputs[1], n.outputs[0], ir::kNoValue, m, nn, k, k, 1, nn, 1, 0,
                  0, *batch, a_bs, b_bs, 1.0f, 0.0f, false);
  }

  void lower_gemm(const ir::Node& n) {
    require_f32(n);
    const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
    const int64_t m = out(n, 0).shape[0], nn = out(n, 0).shape[1];
    const int64_t k = ta ? in(n, 0).shape[0] : in(n, 0).shape[1];
    const bool has_c = has(n, 2);
    int64_t c_rs = 0, c_cs = 0;
    if (has_c) {
      const auto st = kernels::broadcast_strides(in(n, 2).shape, Shape{m, nn});
      c_rs = st[0];
      c_cs = st[1];
    }
    gemm_dispatch(n, n.inputs[0], n.inputs[1], n.outputs[0], has_c ? n.inputs[2] : ir::kNoValue, m,
                  nn, k, ta ? 1 : k, ta ? m : 1, tb ? 1 : nn, tb ? k : 1, c_rs, c_cs, {}, {}, {},
                  static_cast<float>(n.attrs.get_float("alpha", 1.0)),
                  static_cast<float>(n.attrs.get_float("beta", 1.0)), has_c);
  }

  void lower_binary(const ir::Node& n) {
    require_f32(n);
    Shape o = out(n, 0).shape;
    if (o.size() > kMaxRank) unsupported(n, "more than 6 dims");
    std::vector<int64_t> as = kernels::broadcast_strides(in(n, 0).shape, o);
    std::vector<int64_t> bs = kernels::broadcast_strides(in(n, 1).shape, o);
    while (o.size() < kMaxRank) {
      o.insert(o.begin(), 1);
      as.insert(as.begin(), 0);
      bs.insert(bs.begin(), 0);
    }
    const int64_t count = num_elements(o);
    if (count == 0) return;
    const uint32_t op = n.op == OpKind::Add   ? 0
                        : n.op == OpKind::Sub ? 1
                        : n.op == OpKind::Mul ? 2
                        : n.op == OpKind::Div ? 3
                                              : 4;
    Dispatch d{Kernel::Binary,
               {at(n.inputs[0]), at(n.inputs[1]), at(n.outputs[0]), u32(count), op},
               {1, 1, 1},
               label(n)};
    for (int64_t x : o) d.push.push_back(u32(x));
    for (int64_t x : as) d.push.push_back(u32(x));
    for (int64_t x : bs) d.push.push_back(u32(x));
    d.groups[0] = kernels::vk::groups_for(count);
    emit(std::move(d));
  }

  void lower_unary(const ir::Node& n) {
    require_f32(n);
    uint32_t op = 0;
    switch (n.op) {
      case OpKind::Sqrt:
        op = 0;
        break;
      case OpKind::Exp:
        op = 1;
        break;
      case OpKind::Erf:
        op = 2;
        break;
      case OpKind::Tanh:
        op = 3;
        break;
      case OpKind::Neg:
        op = 4;
        break;
      case OpKind::Reciprocal:
        op = 5;
        break;
      case OpKind::Relu:
        op = 6;
        break;
      case OpKind::Gelu:
        op = n.attrs.get_string("approximate", "none") == "tanh" ? 8 : 7;
        break;
      case OpKind::Silu:
        op = 9;
        break;
      default:
        op = 10;
        break;  // Sigmoid
    }
    const int64_t count = in(n, 0).numel();
    if (count == 0) return;
    Dispatch d{
        Kernel::Unary, {at(n.inputs[0]), at(n.outputs[0]), u32(count), op}, {1, 1, 1}, label(n)};
    d.groups[0] = kernels::vk::groups_for(count);
    emit(std::move(d));
  }

  void lower_softmax(const ir::Node& n) {
    require_f32(n);
    const Shape& x = in(n, 0).shape;
    const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
    const int64_t rows = ir::split_at(x, axis).rows, cols = x[axis],
                  inner = ir::split_at(x, axis + 1).cols;
    if (rows * cols * inner == 0) return;
    Dispatch d{Kernel::Softmax,
               {at(n.inputs[0]), at(n.outputs[0]), u32(rows), u32(cols), u32(inner)},
               {1, 1, 1},
               label(n)};
    kernels::vk::lanes_to_groups(rows * inner, d);
    emit(std::move(d));
  }

  void lower_norm(const ir::Node& n) {
    require_f32(n);
    const Shape& x = in(n, 0).shape;
    const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
    const ir::RowsCols rc = ir::split_at(x, axis);
    if (rc.rows * rc.cols == 0) return;
    const bool bias = n.op == OpKind::LayerNorm && has(n, 2);
    const uint32_t mode = n.op == OpKind::RMSNorm ? 2 : bias ? 0 : 1;
    Dispatch d{Kernel::Norm,
               {at(n.inputs[0]), at(n.inputs[1]), bias ? at(n.inputs[2]) : 0, at(n.outputs[0]),
                u32(rc.rows), u32(rc.cols), mode,
                f32_bits(static_cast<float>(n.attrs.get_float("epsilon", 1e-5)))},
               {1, 1, 1},
               label(n)};
    kernels::vk::lanes_to_groups(rc.rows, d);
    emit(std::move(d));
  }

  void lower_attention(const ir::Node& n) {
    if (has(n, 6)) unsupported(n, "kv_len (a KV cache updated in place) is not lowered");
    for (size_t i : {0, 1, 2, 4, 5})
      if (has(n, i) && in(n, i).dtype != DType::F32) unsupported(n, "the shaders compute f32 only");
    const Shape &q = in(n, 0).shape, &k = in(n, 1).shape, &v = in(n, 2).shape;
    const bool past = has(n, 4);
    const int64_t b = q[0], hq = q[1], s = q[2], dh = q[3], hkv = k[1], tn = k[2], dv = v[3];
    const int64_t p = past ? in(n, 4).shape[2] : 0, t = p + tn;
    if (t > kMaxAttentionKeys)
      unsupported(n, fmt::format("{} keys; the kernel holds at most {}", t, kMaxAttentionKeys));
    if (dh > kMaxHeadDim) unsupported(n, fmt::format("head_dim {} > {}", dh, kMaxHeadDim));
    const bool present = n.outputs.size() == 3;
    int64_t k_all = at(n.inputs[1]), v_all = at(n.inputs[2]);
    if (past || present) {
      k_all = present ? at(n.outputs[1]) : static_cast<int64_t>(scratch(b * hkv * t * dh));
      v_all = present ? at(n.outputs[2]) : static_cast<int64_t>(scratch(b * hkv * t * dv));
      // KV-cache append: [B*Hkv, P, D] then [B*Hkv, Tn, D] into [B*Hkv, P+Tn, D].
      for (auto [dst, width, past_in, new_in] :
           {std::tuple{k_all, dh, 4, 1}, std::tuple{v_all, dv, 5, 2}}) {
        if (past)
          copy(n, at(n.inputs[past_in]), dst, {b * hkv, p, width}, {p * width, width, 1},
               {t * width, width, 1}, 1);
        copy(n, at(n.inputs[new_in]), dst + p * width, {b * hkv, tn, width}, {tn * width, width, 1},
             {t * width, width, 1}, 1);
      }
    }
    uint32_t mask_kind = 0, mask_at = 0;
    std::vector<int64_t> mst(4, 0);
    if (has(n, 3)) {
      mask_kind = in(n, 3).dtype == DType::Bool ? 2 : 1;
      if (mask_kind == 1 && in(n, 3).dtype != DType::F32) unsupported(n, "mask is not f32/bool");
      mask_at = at(n.inputs[3]);
      mst = kernels::broadcast_strides(in(n, 3).shape, Shape{b, hq, s, t});
    }
    const double scale_default = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(dh, 1)));
    const int64_t rows = b * hq * s;
    if (rows * dv == 0) return;
    Dispatch d{
        Kernel::Attention,
        {at(n.inputs[0]), u32(k_all), u32(v_all), mask_at, at(n.outputs[0]), u32(b), u32(hq),
         u32(hkv), u32(s), u32(t), u32(dh), u32(dv), n.attrs.get_int("causal", 0) != 0 ? 1u : 0u,
         mask_kind, f32_bits(static_cast<float>(n.attrs.get_float("scale", scale_default))),
         u32(mst[0]), u32(mst[1]), u32(mst[2]), u32(mst[3])},
        {1, 1, 1},
        label(n)};
    kernels::vk::lanes_to_groups(rows, d);
    emit(std::move(d));
  }

  void lower_view_copy(const ir::Node& n) {
    const Shape& x = in(n, 0).shape;
    const int64_t w = words_per_element(n, in(n, 0).dtype);
    const std::vector<int64_t> xs = contiguous_strides(x);
    const Shape& o = out(n, 0).shape;
    const std::vector<int64_t> os = contiguous_strides(o);
    int64_t src = at(n.inputs[0]);
    std::vector<int64_t> sst(o.size());
    if (n.op == OpKind::Transpose) {
      const auto perm = ir::resolve_perm(x.size(), n.attrs);
      for (size_t i = 0; i < o.size(); ++i) sst[i] = xs[perm[i]];
    } else if (n.op == OpKind::Slice) {
      const ir::SliceParams sp = ir::resolve_slice(x, n.attrs);
      for (size_t i = 0; i < o.size(); ++i) {
        src += sp.starts[i] * xs[i] * w;
        sst[i] = sp.steps[i] * xs[i];
      }
    } else {  // Expand
      sst = kernels::broadcast_strides(x, o);
    }
    copy(n, src, at(n.outputs[0]), o, sst, os, w);
  }

  void lower_concat(const ir::Node& n) {
    const Shape& o = out(n, 0).shape;
    const int64_t w = words_per_element(n, out(n, 0).dtype);
    const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis"), o.size(), "concat axis");
    const std::vector<int64_t> os = contiguous_strides(o);
    int64_t offset = 0;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Shape& x = in(n, i).shape;
      copy(n, at(n.inputs[i]), at(n.outputs[0]) + offset * os[axis] * w, x, contiguous_strides(x),
           os, w);
      offset += x[axis];
    }
  }

  void lower_split(const ir::Node& n) {
    const Shape& x = in(n, 0).shape;
    const int64_t w = words_per_element(n, in(n, 0).dtype);
    const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", 0), x.size(), "split axis");
    const std::vector<int64_t> xs = contiguous_strides(x);
    int64_t offset = 0;
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      const Shape& o = out(n, i).shape;
      copy(n, at(n.inputs[0]) + offset * xs[axis] * w, at(n.outputs[i]), o, xs,
           contiguous_strides(o), w);
      offset += o[axis];
    }
  }

  void lower_rotary(const ir::Node& n) {
    for (size_t i = 0; i < 3; ++i)
      if (in(n, i).dtype != DType::F32) unsupported(n, "the shaders compute f32 only");
    const Shape& x = in(n, 0).shape;
    int64_t rot = n.attrs.get_int("rotary_dim", 0);
    if (rot == 0) rot = x[3];
    const Shape& cs = in(n, 1).shape;
    const bool pos = has(n, 3);
    const int64_t batch_stride = !pos && cs.size() == 3 && cs[0] != 1 ? cs[1] * cs[2] : 0;
    if (in(n, 0).numel() == 0) return;
    if (pos)
      add_fault(fmt::format("node '{}' ({}): a position id is outside [0, {})", n.name,
                            ir::op_name(n.op), cs[0]));
    Dispatch d{Kernel::Rotary,
               {at(n.inputs[0]), at(n.inputs[1]), at(n.inputs[2]), pos ? at(n.inputs[3]) : 0,
                at(n.outputs[0]), 0, u32(x[0]), u32(x[1]), u32(x[2]), u32(x[3]), u32(rot),
                n.attrs.get_int("interleaved", 0) != 0 ? 1u : 0u, pos ? 1u : 0u,
                u32(pos ? cs[0] : 0), u32(batch_stride)},
               {1, 1, 1},
               label(n)};
    d.groups[0] = kernels::vk::groups_for(in(n, 0).numel());
    if (pos) fault_slots_.push_back({plan_.dispatches.size(), 5});
    emit(std::move(d));
  }

  void add_fault(std::string what) { plan_.faults.push_back({0, std::move(what)}); }

  void lower_gather(const ir::Node& n) {
    const Shape& data = in(n, 0).shape;
    const int64_t w = words_per_element(n, in(n, 0).dtype);
    const DType it = in(n, 1).dtype;
    if (it != DType::I32 && it != DType::I64) unsupported(n, "indices must be i32 or i64");
    const int64_t axis = n.op == OpKind::Embedding
                             ? 0
                             : ir::normalize_axis(n.attrs.get_int("axis", 0), data.size(), "axis");
    const int64_t outer = ir::split_at(data, axis).rows, inner = ir::split_at(data, axis + 1).cols;
    const int64_t n_idx = in(n, 1).numel();
    if (outer * n_idx * inner == 0) return;
    add_fault(fmt::format("node '{0}' ({1}): an index is outside [-{2}, {2}) for axis {3} of {4}",
                          n.name, ir::op_name(n.op), data[axis], axis, shape_str(data)));
    fault_slots_.push_back({plan_.dispatches.size(), 3});
    // f32 rows of whole vec4s: read through the texel view (see gather_texel.comp).
    if (options_.blocked_gemm && in(n, 0).dtype == DType::F32 && inner % 4 == 0 &&
        texel_at(n.inputs[0]) % 4 == 0) {
      Dispatch d{Kernel::GatherTexel,
                 {texel_at(n.inputs[0]) / 4, at(n.inputs[1]), at(n.outputs[0]), 0, u32(outer),
                  u32(data[axis]), u32(inner / 4), u32(n_idx), it == DType::I64 ? 1u : 0u},
                 {1, 1, 1},
                 label(n)};
      d.groups[0] = kernels::vk::groups_for(outer * n_idx * inner / 4);
      return emit(std::move(d));
    }
    Dispatch d{Kernel::Gather,
               {at(n.inputs[0]), at(n.inputs[1]), at(n.outputs[0]), 0, u32(outer), u32(data[axis]),
                u32(inner * w), u32(n_idx), it == DType::I64 ? 1u : 0u},
               {1, 1, 1},
               label(n)};
    d.groups[0] = kernels::vk::groups_for(outer * n_idx * inner * w);
    emit(std::move(d));
  }

  // Output dims padded to 6 with each operand's broadcast strides: the elementwise kernels'
  // indexing. Returns false when the output has more than 6 dims.
  static bool broadcast_6d(Shape o, const std::vector<Shape>& ins, std::vector<uint32_t>& push) {
    if (o.size() > kMaxRank) return false;
    std::vector<std::vector<int64_t>> st;
    for (const Shape& s : ins) st.push_back(kernels::broadcast_strides(s, o));
    while (o.size() < kMaxRank) {
      o.insert(o.begin(), 1);
      for (auto& v : st) v.insert(v.begin(), 0);
    }
    for (int64_t x : o) push.push_back(u32(x));
    for (const auto& v : st)
      for (int64_t x : v) push.push_back(u32(x));
    return true;
  }

  void lower_reduce(const ir::Node& n) {
    require_f32(n);
    const Shape& x = in(n, 0).shape;
    const auto axes = ir::resolve_reduce_axes(x.size(), n.attrs);
    const int64_t total = in(n, 0).numel();
    if (total == 0 || out(n, 0).numel() == 0) unsupported(n, "empty reduction");
    // Kept dims first, reduced dims last: a copy when the reduced axes are not one block.
    std::vector<int64_t> kept, order;
    int64_t r = 1;
    for (size_t d = 0; d < x.size(); ++d)
      if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) == axes.end())
        kept.push_back(static_cast<int64_t>(d));
      else
        r *= x[d];
    const bool block =
        axes.empty() || axes.back() - axes.front() + 1 == static_cast<int64_t>(axes.size());
    int64_t src = at(n.inputs[0]), outer = 1, inner = 1;
    if (block && !axes.empty()) {
      outer = ir::split_at(x, axes.front()).rows;
      inner = ir::split_at(x, axes.back() + 1).cols;
    } else if (!axes.empty()) {
      order = kept;
      order.insert(order.end(), axes.begin(), axes.end());
      const std::vector<int64_t> xs = contiguous_strides(x);
      Shape dims;
      std::vector<int64_t> sst;
      for (int64_t d : order) {
        dims.push_back(x[d]);
        sst.push_back(xs[d]);
      }
      const int64_t tmp = static_cast<int64_t>(scratch(total));
      copy(n, src, tmp, dims, sst, contiguous_strides(dims), 1);
      src = tmp;
      outer = total / r;
    } else {
      r = total;  // no axes: everything
    }
    const uint32_t op = n.op == OpKind::ReduceSum ? 0 : n.op == OpKind::ReduceMean ? 1 : 2;
    Dispatch d{Kernel::Reduce,
               {u32(src), at(n.outputs[0]), u32(outer), u32(r), u32(inner), op},
               {1, 1, 1},
               label(n)};
    kernels::vk::lanes_to_groups(outer * inner, d);
    emit(std::move(d));
  }

  void lower_where(const ir::Node& n) {
    if (dtype_size(in(n, 1).dtype) != 4) unsupported(n, "values are not 32-bit elements");
    const int64_t count = out(n, 0).numel();
    if (count == 0) return;
    Dispatch d{Kernel::Where,
               {at(n.inputs[0]), at(n.inputs[1]), at(n.inputs[2]), at(n.outputs[0]), u32(count)},
               {1, 1, 1},
               label(n)};
    if (!broadcast_6d(out(n, 0).shape, {in(n, 0).shape, in(n, 1).shape, in(n, 2).shape}, d.push))
      unsupported(n, "more than 6 dims");
    d.groups[0] = kernels::vk::groups_for(count);
    emit(std::move(d));
  }

  void lower_equal(const ir::Node& n) {
    const DType t = in(n, 0).dtype;
    if (t != DType::F32 && t != DType::I32) unsupported(n, "compares f32 or i32 only");
    const int64_t count = out(n, 0).numel();
    if (count == 0) return;
    Dispatch d{
        Kernel::Equal,
        {at(n.inputs[0]), at(n.inputs[1]), at(n.outputs[0]), u32(count), t == DType::F32 ? 1u : 0u},
        {1, 1, 1},
        label(n)};
    if (!broadcast_6d(out(n, 0).shape, {in(n, 0).shape, in(n, 1).shape}, d.push))
      unsupported(n, "more than 6 dims");
    d.groups[0] = kernels::vk::groups_for((count + 3) / 4);
    emit(std::move(d));
  }

  void lower_cast(const ir::Node& n) {
    const DType from = in(n, 0).dtype, to = out(n, 0).dtype;
    for (DType t : {from, to})
      if (cast_code(t) == 99)
        unsupported(n, fmt::format("casts between f32, f16, bf16, i32 and bool only, not {}",
                                   dtype_name(t)));
    cast_dispatch(n, at(n.inputs[0]), at(n.outputs[0]), in(n, 0).numel(), from, to);
  }

 public:
  // (dispatch, push word) of each fault's word, in plan_.faults order: the words are placed
  // after all values, so plan_graph() patches them in.
  std::vector<std::pair<size_t, size_t>> fault_slots_;

 private:
  struct Widened {
    uint64_t word;
    ir::TensorType type;
  };
  std::map<ir::ValueId, Widened> widened_;  // half values' f32 stand-ins for the current node
  const ir::Graph& g_;
  PlanOptions options_;
  std::set<ir::ValueId> far_;
  uint64_t far_base_ = 0;
  std::vector<bool> ssbo_read_;
  std::vector<ir::ValueId> alias_root_;
  Plan plan_;
  uint64_t next_ = 0;
};

}  // namespace

namespace {

Plan plan_once(const ir::Graph& graph, const PlanOptions& options, const std::set<ir::ValueId>& far,
               uint64_t far_base, std::set<ir::ValueId>* texel_only) {
  Planner planner(graph, options, far, far_base);
  Plan plan = planner.run();
  for (size_t i = 0; i < planner.fault_slots_.size(); ++i) {
    const auto [dispatch, word] = planner.fault_slots_[i];
    plan.dispatches[dispatch].push[word] = u32(plan.faults[i].word);
  }
  if (texel_only)
    for (size_t v = 0; v < graph.values().size(); ++v) {
      const ir::Value& value = graph.values()[v];
      if (value.kind == ir::ValueKind::Constant && value.type.nbytes() > 0 &&
          !planner.ssbo_read(static_cast<ir::ValueId>(v)))
        texel_only->insert(static_cast<ir::ValueId>(v));
    }
  return plan;
}

}  // namespace

Plan plan_graph(const ir::Graph& graph, const PlanOptions& options) {
  // Constants that shaders read only through the texel view go last, past the region the
  // storage buffer binding must reach: one pass finds them, one measures that region without
  // them, and the last places them after it (the passes lower identically).
  std::set<ir::ValueId> far;
  Plan plan = plan_once(graph, options, {}, 0, &far);
  if (far.empty()) return plan;
  const uint64_t near_words = plan_once(graph, options, far, 0, nullptr).storage_words;
  return plan_once(graph, options, far, Planner::align(near_words), nullptr);
}

}  // namespace nuri::vulkan
