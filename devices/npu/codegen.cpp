#include "devices/npu/codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "compiler/ir/op_params.h"
#include "devices/npu/activation_layout.h"
#include "devices/npu/codegen_vector.h"
#include "devices/npu/tiling/attention.h"
#include "devices/npu/tiling/gemm_tiler.h"
#include "devices/npu/tiling/row_ops.h"
#include "devices/npu/view.h"
#include "kernels/cpu/layout.h"
#include "nuri/error.hpp"

namespace nuri::npu {

using sim::DType;
using sim::Space;

namespace {

constexpr uint64_t kAlign = 64;
uint64_t align_up(uint64_t x) {
  return (x + kAlign - 1) / kAlign * kAlign;
}

std::vector<float> to_floats(const ir::Value& v) {
  const Tensor& t = *v.data;
  if (t.dtype() == nuri::DType::Bool) {  // an attention mask: allowed 0, masked -inf (additive)
    std::vector<float> f(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < f.size(); ++i)
      f[i] = t.data_as<uint8_t>()[i] ? 0.0f : -std::numeric_limits<float>::infinity();
    return f;
  }
  if (!is_float(t.dtype()))
    throw Error(fmt::format("npu: constant '{}' is not a float tensor", v.name));
  std::vector<float> f(static_cast<size_t>(t.numel()));
  kernels::cast(t.data(), static_cast<nuri_dtype>(t.dtype()), f.data(), NURI_DTYPE_F32, t.numel());
  return f;
}

struct Mat {
  uint64_t addr = 0;
  uint32_t rows = 0, cols = 0;
  uint64_t ld = 0;
};

uint32_t u32(int64_t x, const std::string& what) {
  if (x < 0 || x > int64_t{UINT32_MAX})
    throw Error(fmt::format("npu: {} = {} out of range", what, x));
  return static_cast<uint32_t>(x);
}

bool npu_float(nuri::DType t) {
  return t == nuri::DType::F32 || t == nuri::DType::BF16;
}

// Refuses to lower node `n`: the reason, in the device's words, that the capability query shows.
[[noreturn]] void refuse(const ir::Node& n, const std::string& why) {
  throw Error(fmt::format("npu: node '{}' ({}): {}", n.name, ir::op_name(n.op), why),
              NURI_ERROR_UNSUPPORTED);
}

// A [B, H, rows, D] operand as head tiles: batch b's head h at addr + b * bs + h * hs elements,
// rows ld apart.
struct HeadTiles {
  uint64_t addr = 0, ld = 0, hs = 0, bs = 0;
};

// Query: the capability query's dry run (no programs, no GEMM plan search; bump allocation
// checked against the device memory). Layout: the same dry run recording every allocation's
// lifetime for the planner. Emit: the programs, at the planned addresses.
enum class Mode : uint8_t { Query, Layout, Emit };

class Codegen {
 public:
  // `s` is null outside Emit and in timing-only Emit; `layout` is required for Emit.
  Codegen(const ir::Graph& g, const sim::NpuConfig& cfg, sim::Simulator* s, Mode mode,
          const ActivationLayout* layout = nullptr, GemmPlans* plans = nullptr,
          const StepSink* sink = nullptr, SharedGemmPlans* shared = nullptr)
      : g_(g),
        cfg_(cfg),
        sim_(s),
        dry_(mode != Mode::Emit),
        mode_(mode),
        layout_(layout),
        views_(g.values().size()),
        consumers_(g.values().size()),
        plans_(plans ? *plans : own_plans_),
        sink_(sink),
        shared_(shared) {
    for (size_t i = 0; i < g.nodes().size(); ++i)
      for (ir::ValueId v : g.nodes()[i].inputs)
        if (v != ir::kNoValue) consumers_[v].push_back(static_cast<ir::NodeId>(i));
    for (ir::ValueId v : g.outputs()) is_output_.push_back(v);
  }

  NpuProgram run() {
    for (size_t i = 0; i < g_.inputs().size(); ++i) {
      const ir::ValueId id = g_.inputs()[i];
      const ir::Value& v = g_.value(id);
      IoBinding b;
      b.type = v.type;
      // A bool input is an attention mask: written to DRAM as an additive bf16 mask.
      if (npu_float(v.type.dtype) || v.type.dtype == nuri::DType::Bool) {
        b.view = alloc(v.name, v.type.shape);
        views_[id] = b.view;
      } else {
        b.host_only = true;
        b.view.shape = v.type.shape;
      }
      prog_.inputs.push_back(b);
    }
    std::vector<bool> done(g_.nodes().size(), false);
    for (ir::NodeId nid : g_.topo_order()) {
      ++step_;
      if (done[nid]) continue;
      lower(nid, done);
    }
    ++step_;  // outputs are read after the last step
    for (ir::ValueId id : g_.outputs()) {
      IoBinding b;
      b.type = g_.value(id).type;
      b.view = dense(get(id), g_.value(id).name);
      prog_.outputs.push_back(b);
    }
    if (layout_ && activations_ != layout_->offsets.size())  // the passes must agree
      throw Error(
          fmt::format("npu: partition '{}': the layout pass planned {} activations, the "
                      "emit pass made {}",
                      g_.name(), layout_->offsets.size(), activations_));
    prog_.dram_bytes = layout_ ? layout_->constant_bytes + layout_->peak_bytes : next_;
    return std::move(prog_);
  }

  // The recorded lifetimes planned by the compiler's arena planner (after a Layout run).
  ActivationLayout plan_layout() const { return plan_activations(buffers_, kAlign); }

 private:
  const ir::TensorType& type(ir::ValueId v) const { return g_.value(v).type; }
  bool is_const(ir::ValueId v) const { return g_.value(v).kind == ir::ValueKind::Constant; }

  // constant: written at compile time, so never shares bytes with anything.
  View alloc(const std::string& name, const Shape& shape, DType t = DType::BF16,
             bool constant = false) {
    const uint64_t bytes =
        std::max<uint64_t>(1, static_cast<uint64_t>(num_elements(shape)) * sim::dtype_size(t));
    uint64_t addr = next_;
    if (layout_) {
      if (constant) {
        next_ += align_up(bytes);
      } else {
        if (activations_ >= layout_->offsets.size())
          throw Error(fmt::format("npu: tensor '{}' was not in the memory plan", name));
        addr = layout_->constant_bytes + layout_->offsets[activations_++];
      }
    } else {
      next_ += align_up(bytes);
      if (mode_ == Mode::Layout) {
        buffer_at_[addr] = buffers_.size();
        buffers_.push_back({bytes, constant, step_, step_});
      }
    }
    const uint64_t cap = cfg_.memory.capacity_bytes;
    if (mode_ != Mode::Layout && addr + bytes > cap)
      throw Error(
          fmt::format("npu: tensor '{}' ({} bytes) does not fit the device memory of config "
                      "'{}' ({} bytes){}",
                      name, bytes, cfg_.name, cap,
                      layout_ ? fmt::format(": constants take {} bytes, activations {} at their "
                                            "peak",
                                            layout_->constant_bytes, layout_->peak_bytes)
                              : fmt::format(": {} bytes already used", addr)),
          NURI_ERROR_OUT_OF_MEMORY);
    return View{addr, shape, dense_strides(shape), t};
  }

  // Records that the current step reads `v` (Layout): its buffer stays alive until then.
  void touch(const View& v) {
    if (mode_ != Mode::Layout || buffer_at_.empty()) return;
    auto it = buffer_at_.upper_bound(v.addr);
    if (it == buffer_at_.begin()) return;
    BufferUse& b = buffers_[std::prev(it)->second];
    b.last = std::max(b.last, step_);
  }

  // A constant in DRAM as `t` ([repeat, numel] when repeat > 1: a broadcast operand expanded).
  View constant(ir::ValueId id, DType t, int64_t repeat = 1) {
    const auto key = std::make_tuple(id, static_cast<int>(t), repeat);
    if (auto it = consts_.find(key); it != consts_.end()) return it->second;
    const ir::Value& v = g_.value(id);
    const Shape shape = repeat > 1 ? Shape{repeat, v.type.numel()} : v.type.shape;
    View out = alloc(v.name, shape, t, /*constant=*/true);
    prog_.weight_bytes += static_cast<uint64_t>(out.numel()) * sim::dtype_size(t);
    if (sim_) {
      if (!v.data)
        throw Error(
            fmt::format("npu: constant '{}' has no data (a weight-less graph needs "
                        "timing_only=1)",
                        v.name));
      if (repeat == 1 && v.data->dtype() == nuri::DType::F32) {  // no f32 copy to make
        sim_->write_values(out.addr, v.data->data_as<float>(), static_cast<uint64_t>(out.numel()),
                           t);
        consts_.emplace(key, out);
        return out;
      }
      std::vector<float> f = to_floats(v);
      if (repeat > 1) {
        std::vector<float> r;
        r.reserve(f.size() * static_cast<size_t>(repeat));
        for (int64_t i = 0; i < repeat; ++i) r.insert(r.end(), f.begin(), f.end());
        f = std::move(r);
      }
      sim_->write_values(out.addr, f.data(), f.size(), t);
    }
    consts_.emplace(key, out);
    return out;
  }

  View get(ir::ValueId id) {
    if (is_const(id)) return constant(id, DType::BF16);
    if (!views_[id])
      throw Error(fmt::format("npu: value '{}' is not on the device", g_.value(id).name));
    touch(*views_[id]);
    return *views_[id];
  }

  void step(const std::string& label, std::vector<sim::Program> programs) {
    if (dry_) return;
    while (!programs.empty() && programs.back().instrs.empty()) programs.pop_back();
    if (programs.empty()) return;
    keep(Step{label, std::move(programs), std::nullopt});
  }

  void keep(Step&& st) {
    if (sink_)
      (*sink_)(std::move(st));
    else
      prog_.steps.push_back(std::move(st));
  }

  // DMA copy DRAM -> spm -> DRAM from `src` to the same shape at (dst_addr, dst_strides).
  View relayout(const View& src, uint64_t dst_addr, std::vector<int64_t> dst_strides,
                const std::string& label) {
    View dst{dst_addr, src.shape, dst_strides, src.dtype};
    Shape shp = src.shape;
    std::vector<int64_t> ss = src.strides, ds = std::move(dst_strides);
    if (shp.empty() || ss.back() != 1 || ds.back() != 1) {
      shp.push_back(1);
      ss.push_back(1);
      ds.push_back(1);
    }
    if (shp.size() == 1) {
      shp.insert(shp.begin(), 1);
      ss.insert(ss.begin(), shp[1]);
      ds.insert(ds.begin(), shp[1]);
    }
    const size_t r = shp.size();
    const uint64_t e = sim::dtype_size(src.dtype);
    const uint64_t rows = static_cast<uint64_t>(shp[r - 2]),
                   cols = static_cast<uint64_t>(shp[r - 1]);
    const uint64_t buf = cfg_.spm.size_bytes / 2 / kAlign * kAlign;
    const uint64_t cchunk = std::min<uint64_t>(cols, buf / e);
    const uint64_t rchunk = std::max<uint64_t>(1, std::min<uint64_t>(rows, buf / (cchunk * e)));
    int64_t outer = 1;
    for (size_t i = 0; i + 2 < r; ++i) outer *= shp[i];
    std::vector<sim::Program> progs(cfg_.cores);
    uint64_t k = 0;
    for (int64_t o = 0; o < outer; ++o) {
      int64_t so = 0, dof = 0, rem = o;
      for (size_t i = r - 2; i-- > 0;) {
        const int64_t idx = rem % shp[i];
        rem /= shp[i];
        so += idx * ss[i];
        dof += idx * ds[i];
      }
      for (uint64_t r0 = 0; r0 < rows; r0 += rchunk)
        for (uint64_t c0 = 0; c0 < cols; c0 += cchunk, ++k) {
          const uint32_t nr = static_cast<uint32_t>(std::min(rchunk, rows - r0));
          const uint32_t nc = static_cast<uint32_t>(std::min(cchunk, cols - c0));
          const uint64_t sst = nr == 1 ? std::max<uint64_t>(nc, ss[r - 2]) : ss[r - 2];
          const uint64_t dst_st = nr == 1 ? std::max<uint64_t>(nc, ds[r - 2]) : ds[r - 2];
          sim::Program& p = progs[k % cfg_.cores];
          const sim::TileRef t =
              sim::tile(Space::Spm, ((k / cfg_.cores) % 2) * buf, nr, nc, src.dtype);
          p.push(sim::dma_load(
              t, sim::tile(Space::Dram,
                           src.addr + (static_cast<uint64_t>(so) + r0 * ss[r - 2] + c0) * e, nr, nc,
                           src.dtype, sst)));
          p.push(sim::dma_store(
              sim::tile(Space::Dram,
                        dst_addr + (static_cast<uint64_t>(dof) + r0 * ds[r - 2] + c0) * e, nr, nc,
                        src.dtype, dst_st),
              t));
        }
    }
    step(label + ".relayout", std::move(progs));
    return dst;
  }

  View dense(const View& v, const std::string& name) {
    if (v.dense()) return v;
    const View d = alloc(name + ".dense", v.shape, v.dtype);
    return relayout(v, d.addr, d.strides, name);
  }

  // The view as a [rows x cols] matrix with a row stride (made dense if it is not one).
  Mat matrix(const View& v0, const std::string& name) {
    View v = v0;
    if (v.shape.empty()) {
      v.shape = {1};
      v.strides = {1};
    }
    const int64_t cols = v.shape.back();
    const int64_t rows = v.numel() / std::max<int64_t>(cols, 1);
    bool ok = v.strides.back() == 1 || cols == 1;
    int64_t ld = cols, prev = -1;
    for (size_t i = 0; ok && i + 1 < v.shape.size(); ++i) {
      if (v.shape[i] == 1) continue;
      if (prev >= 0 && v.strides[prev] != v.strides[i] * v.shape[i]) ok = false;
      prev = static_cast<int64_t>(i);
      ld = v.strides[i];
    }
    if (ok && prev >= 0 && ld < cols) ok = false;
    if (!ok) return matrix(dense(v, name), name);
    return Mat{v.addr, u32(rows, name + " rows"), u32(cols, name + " cols"),
               static_cast<uint64_t>(ld)};
  }

  std::optional<ir::NodeId> sole_consumer(ir::ValueId v) const {
    if (consumers_[v].size() != 1) return std::nullopt;
    if (std::find(is_output_.begin(), is_output_.end(), v) != is_output_.end()) return std::nullopt;
    return consumers_[v][0];
  }

  // Operands and results are f32 / bf16, but for the ids of an Embedding and the mask of an
  // Attention (bool or float).
  void check_dtypes(const ir::Node& n) const {
    // An Attention input past past_v (a cache length, say) is one this lowering does not know.
    if (n.op == ir::OpKind::Attention && n.inputs.size() > 6)
      refuse(n, fmt::format("input {} is not one the NPU lowering knows (q, k, v, mask, past_k, "
                            "past_v)",
                            n.inputs.size() - 1));
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == ir::kNoValue) continue;
      const nuri::DType t = type(n.inputs[i]).dtype;
      if (n.op == ir::OpKind::Embedding && i == 1) {
        if (t != nuri::DType::I64 && t != nuri::DType::I32) refuse(n, "ids must be i32 or i64");
      } else if (n.op == ir::OpKind::Attention && i == 3) {
        if (!npu_float(t) && t != nuri::DType::Bool) refuse(n, "the mask must be bool or float");
      } else if (!npu_float(t)) {
        refuse(n, fmt::format("operand {} is {}; the NPU computes f32 / bf16", i, dtype_name(t)));
      }
    }
    for (ir::ValueId o : n.outputs)
      if (!npu_float(type(o).dtype)) refuse(n, "results must be f32 or bf16");
  }

  void lower(ir::NodeId nid, std::vector<bool>& done) {
    const ir::Node& n = g_.node(nid);
    done[nid] = true;
    check_dtypes(n);
    switch (n.op) {
      case ir::OpKind::MatMul:
      case ir::OpKind::Gemm:
        return lower_matmul(n, done);
      case ir::OpKind::Add:
      case ir::OpKind::Mul:
        return lower_binary(n);
      case ir::OpKind::LayerNorm:
      case ir::OpKind::RMSNorm:
      case ir::OpKind::Softmax:
      case ir::OpKind::Gelu:
        return lower_row(n);
      case ir::OpKind::Attention:
        return lower_attention(n);
      case ir::OpKind::RotaryEmbedding:
        return lower_rotary(n);
      case ir::OpKind::Silu:
      case ir::OpKind::Relu: {
        const ir::ValueId out = n.outputs[0];
        const Shape& os = type(out).shape;
        const int64_t cols = os.empty() ? 1 : os.back(), rows = type(out).numel() / cols;
        const View x = dense(get(n.inputs[0]), n.name + ".x");
        const View o = alloc(g_.value(out).name, os);
        step(n.name,
             emit_unary(cfg_, n.op == ir::OpKind::Silu ? UnaryKind::Silu : UnaryKind::Relu,
                        u32(rows, n.name + " rows"), u32(cols, n.name + " cols"), x.addr, o.addr));
        views_[out] = o;
        return;
      }
      case ir::OpKind::Reshape:
      case ir::OpKind::Squeeze:
      case ir::OpKind::Unsqueeze: {
        const View in = get(n.inputs[0]);
        const Shape& shape = type(n.outputs[0]).shape;
        if (auto st = reshape_strides(in.shape, in.strides, shape)) {
          views_[n.outputs[0]] = View{in.addr, shape, *st, in.dtype};
        } else {
          View d = dense(in, n.name);
          views_[n.outputs[0]] = View{d.addr, shape, dense_strides(shape), d.dtype};
        }
        return;
      }
      case ir::OpKind::Transpose: {
        const View in = get(n.inputs[0]);
        const auto perm = ir::resolve_perm(static_cast<int64_t>(in.shape.size()), n.attrs);
        if (!perm.empty() && perm.back() != static_cast<int64_t>(perm.size()) - 1)
          refuse(n, "only transposes that keep the last axis (views) are lowered");
        View out{in.addr, {}, {}, in.dtype};
        for (int64_t p : perm) {
          out.shape.push_back(in.shape[p]);
          out.strides.push_back(in.strides[p]);
        }
        views_[n.outputs[0]] = out;
        return;
      }
      case ir::OpKind::Split: {
        const View in = get(n.inputs[0]);
        const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", 0),
                                                static_cast<int64_t>(in.shape.size()), "axis");
        const auto sizes =
            ir::resolve_split(in.shape, axis, n.attrs, static_cast<int64_t>(n.outputs.size()));
        int64_t off = 0;
        for (size_t i = 0; i < n.outputs.size(); ++i) {
          View o = in;
          o.shape[axis] = sizes[i];
          o.addr =
              in.addr + static_cast<uint64_t>(off * in.strides[axis]) * sim::dtype_size(in.dtype);
          off += sizes[i];
          views_[n.outputs[i]] = o;
        }
        return;
      }
      case ir::OpKind::Embedding:
        return lower_embedding(n);
      default:
        refuse(n, "not lowered by the NPU codegen");
    }
  }

  void lower_matmul(const ir::Node& n, std::vector<bool>& done) {
    const bool gemm = n.op == ir::OpKind::Gemm;
    const bool tb = gemm && n.attrs.get_int("transB", 0) != 0;
    const ir::ValueId a = n.inputs[0], b = n.inputs[1];
    if (type(a).shape.size() < 2 || type(b).shape.size() != 2)
      refuse(n, "needs A of rank >= 2 and a 2-D B");
    if (gemm && n.attrs.get_int("transA", 0) != 0) refuse(n, "transA is not lowered");
    if (gemm && (n.attrs.get_float("alpha", 1.0) != 1.0 || n.attrs.get_float("beta", 1.0) != 1.0))
      refuse(n, "alpha / beta other than 1 are not lowered");
    const bool has_c = gemm && n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
    if (has_c) {
      const ir::ValueId c = n.inputs[2];
      const Shape& cs = type(c).shape;
      const int64_t N = type(n.outputs[0]).shape[1];
      if (!is_const(c) || type(c).numel() != N || cs.empty() || cs.back() != N)
        refuse(n, "C must be a constant [N] bias");
    }
    const int64_t K = type(a).shape.back();
    const Mat A = matrix(get(a), n.name + ".A");
    Mat B;
    if (is_const(b)) {
      const View w = constant(b, DType::BF16);
      B = Mat{w.addr, u32(w.shape[0], "rows"), u32(w.shape[1], "cols"), 0};
    } else {
      B = matrix(get(b), n.name + ".B");
    }
    GemmSpec s;
    s.m = A.rows;
    s.k = u32(K, n.name + " K");
    s.n = tb ? B.rows : B.cols;
    s.a_addr = A.addr;
    s.lda = A.ld;
    s.b_addr = B.addr;
    s.ldb = B.ld;
    s.transpose_b = tb;
    if (has_c) {
      s.has_bias = true;
      s.bias_addr = constant(n.inputs[2], DType::F32).addr;
    }
    ir::ValueId out = n.outputs[0];
    std::string label = n.name;
    if (!s.has_bias)
      if (auto c = sole_consumer(out)) {
        const ir::Node& add = g_.node(*c);
        if (add.op == ir::OpKind::Add && type(add.outputs[0]).shape == type(out).shape) {
          const ir::ValueId other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
          if (is_const(other) && type(other).numel() == s.n && !type(other).shape.empty() &&
              type(other).shape.back() == s.n && add.inputs[0] != add.inputs[1]) {
            s.has_bias = true;
            s.bias_addr = constant(other, DType::F32).addr;
            out = add.outputs[0];
            done[*c] = true;
            label += "+" + add.name;
          }
        }
      }
    if (auto c = sole_consumer(out); c && g_.node(*c).op == ir::OpKind::Gelu) {
      s.act = Activation::Gelu;
      out = g_.node(*c).outputs[0];
      done[*c] = true;
      label += "+" + g_.node(*c).name;
    }
    // An f32 partition output is stored straight from the f32 accumulators (no bf16 copy
    // epilogue, no rounding); values other NPU ops consume stay bf16, the NPU's activation format.
    const bool f32_out = type(out).dtype == nuri::DType::F32 && consumers_[out].empty() &&
                         std::find(is_output_.begin(), is_output_.end(), out) != is_output_.end();
    s.dtype = DType::BF16;
    s.out_dtype = f32_out ? DType::F32 : DType::BF16;
    const View o = alloc(g_.value(out).name, type(out).shape, s.out_dtype);
    s.c_addr = o.addr;
    s.ldc = s.n;
    if (dry_) {  // feasibility from the planner's analytic ranking; no plan search
      if (const std::string why = gemm_unsupported(cfg_, s); !why.empty()) refuse(n, why);
      views_[out] = o;
      return;
    }
    // The plan depends on shapes and strides, not addresses: plan each distinct GEMM once.
    const auto key = std::make_tuple(s.m, s.n, s.k, s.lda, s.ldb, s.transpose_b, s.has_bias,
                                     static_cast<int>(s.act), static_cast<int>(s.out_dtype));
    auto it = plans_.find(key);
    if (it == plans_.end())
      it = plans_.emplace(key, shared_ ? shared_->get(cfg_, s) : plan_gemm(cfg_, s)).first;
    step(label, emit_gemm(cfg_, s, it->second));
    views_[out] = o;
  }

  void lower_binary(const ir::Node& n) {
    const ir::ValueId out = n.outputs[0];
    const Shape& os = type(out).shape;
    const int64_t cols = os.empty() ? 1 : os.back(), rows = type(out).numel() / cols;
    ir::ValueId x = n.inputs[0], y = n.inputs[1];
    if (type(x).shape != os) std::swap(x, y);
    View yv;
    const Shape& ys = type(y).shape;
    if (type(x).shape != os)
      refuse(n, "broadcasting other than a constant row is not lowered");
    else if (ys == os)
      yv = is_const(y) ? constant(y, DType::BF16) : dense(get(y), n.name + ".y");
    else if (is_const(y) && type(y).numel() == cols && !ys.empty() && ys.back() == cols)
      yv = constant(y, DType::BF16, rows);
    else
      refuse(n, "broadcasting other than a constant row is not lowered");
    const View xv = is_const(x) ? constant(x, DType::BF16) : dense(get(x), n.name + ".x");
    const View o = alloc(g_.value(out).name, os);
    RowOpSpec s;
    s.op = n.op == ir::OpKind::Add ? RowOp::Add : RowOp::Mul;
    s.rows = u32(rows, n.name + " rows");
    s.cols = u32(cols, n.name + " cols");
    s.x_addr = xv.addr;
    s.y_addr = yv.addr;
    s.out_addr = o.addr;
    step(n.name, emit_row_op(cfg_, s));
    views_[out] = o;
  }

  void lower_row(const ir::Node& n) {
    const ir::ValueId out = n.outputs[0];
    const Shape& os = type(out).shape;
    const int64_t cols = os.empty() ? 1 : os.back(), rows = type(out).numel() / cols;
    const int64_t rank = static_cast<int64_t>(os.size());
    if (n.op != ir::OpKind::Gelu &&
        ir::normalize_axis(n.attrs.get_int("axis", -1), rank, "axis") != rank - 1)
      refuse(n, "only the last axis is lowered");
    if ((n.op == ir::OpKind::LayerNorm || n.op == ir::OpKind::RMSNorm) &&
        (!is_const(n.inputs[1]) ||
         (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue && !is_const(n.inputs[2]))))
      refuse(n, "gain and bias must be constants");
    const View x = dense(get(n.inputs[0]), n.name + ".x");
    RowOpSpec s;
    s.rows = u32(rows, n.name + " rows");
    s.cols = u32(cols, n.name + " cols");
    s.x_addr = x.addr;
    switch (n.op) {
      case ir::OpKind::LayerNorm:
      case ir::OpKind::RMSNorm: {
        s.op = n.op == ir::OpKind::LayerNorm ? RowOp::LayerNorm : RowOp::RmsNorm;
        s.eps = static_cast<float>(n.attrs.get_float("epsilon", 1e-5));
        s.gamma_addr = constant(n.inputs[1], DType::F32).addr;
        if (s.op == RowOp::LayerNorm) {
          if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
            s.beta_addr = constant(n.inputs[2], DType::F32).addr;
          } else {
            const View z = alloc(n.name + ".zero_beta", {cols}, DType::F32, /*constant=*/true);
            if (sim_) {
              const std::vector<float> zeros(static_cast<size_t>(cols), 0.0f);
              sim_->write_values(z.addr, zeros.data(), zeros.size(), DType::F32);
            }
            s.beta_addr = z.addr;
          }
        }
        break;
      }
      case ir::OpKind::Softmax:
        s.op = RowOp::Softmax;
        break;
      default:
        s.op = RowOp::Gelu;
        break;
    }
    const View o = alloc(g_.value(out).name, os);
    s.out_addr = o.addr;
    step(n.name, emit_row_op(cfg_, s));
    views_[out] = o;
  }

  // Attention [with past K/V: present = concat(past, new) along the keys, made by DMA into one
  // buffer that is also the present output] [with a mask: bool (0 / -inf) or additive float].
  void lower_attention(const ir::Node& n) {
    const auto has = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] != ir::kNoValue; };
    const Shape &qs = type(n.inputs[0]).shape, &ks = type(n.inputs[1]).shape;
    const int64_t B = qs[0], Hq = qs[1], S = qs[2], D = qs[3], Hkv = ks[1];
    if (type(n.inputs[2]).shape[3] != D) refuse(n, "v's head_dim must equal q's");
    const int64_t P = has(4) ? type(n.inputs[4]).shape[2] : 0, T = P + ks[2];
    HeadTiles kv[2];
    for (size_t i = 0; i < 2; ++i) {
      const ir::ValueId fresh = n.inputs[1 + i];
      View all = get(fresh);
      if (has(4 + i)) {
        const std::string name = n.outputs.size() == 3 ? g_.value(n.outputs[1 + i]).name
                                                       : n.name + (i ? ".present_v" : ".present_k");
        all = alloc(name, {B, Hkv, T, D});
        const std::string label = n.name + (i ? ".concat_v" : ".concat_k");
        if (P > 0) relayout(get(n.inputs[4 + i]), all.addr, all.strides, label + ".past");
        relayout(get(fresh), all.addr + static_cast<uint64_t>(P * D) * 2, all.strides, label);
      }
      if (n.outputs.size() == 3) views_[n.outputs[1 + i]] = all;
      kv[i] = head_tiles(all, n.name + (i ? ".v" : ".k"));
    }
    const HeadTiles q = head_tiles(get(n.inputs[0]), n.name + ".q");
    const HeadTiles m = has(3) ? mask_tiles(n, B, Hq, S, T) : HeadTiles{};
    const View o = alloc(g_.value(n.outputs[0]).name, {B, S, Hq * D});
    AttentionSpec s;
    s.has_mask = has(3);
    s.mask_ld = m.ld;
    s.mask_hs = m.hs;
    s.seq = u32(S, n.name + " seq");
    s.kv_len = u32(T, n.name + " kv length");
    s.heads = u32(Hq, n.name + " heads");
    s.kv_heads = u32(Hkv, n.name + " kv heads");
    s.head_dim = u32(D, n.name + " head_dim");
    s.ldq = q.ld, s.hsq = q.hs;
    s.ldk = kv[0].ld, s.hsk = kv[0].hs;
    s.ldv = kv[1].ld, s.hsv = kv[1].hs;
    s.ldo = static_cast<uint64_t>(Hq * D), s.hso = static_cast<uint64_t>(D);
    s.causal = n.attrs.get_int("causal", 0) != 0;
    s.scale = static_cast<float>(n.attrs.get_float("scale", 0.0));
    if (const std::string why = attention_unsupported(cfg_, s); !why.empty()) refuse(n, why);
    // One step per batch element: its q, k, v, mask and output at the element's offsets.
    for (int64_t b = 0; b < B; ++b) {
      const auto at = [&](const HeadTiles& t) {
        return t.addr + static_cast<uint64_t>(b) * t.bs * 2;
      };
      s.q_addr = at(q), s.k_addr = at(kv[0]), s.v_addr = at(kv[1]), s.mask_addr = at(m);
      s.out_addr = o.addr + static_cast<uint64_t>(b * S * Hq * D) * 2;
      step(B > 1 ? fmt::format("{}.batch{}", n.name, b) : n.name, emit_attention(cfg_, s));
    }
    views_[n.outputs[0]] = View{o.addr, qs, {S * Hq * D, D, Hq * D, 1}, DType::BF16};
  }

  // v [B, H, rows, D] as per-head tiles straight from its strides (interleaved or head-major
  // heads alike; a relayout if a row is not unit-stride or rows overlap).
  HeadTiles head_tiles(View v, const std::string& label) {
    const int64_t B = v.shape[0], H = v.shape[1], rows = v.shape[2], D = v.shape[3];
    if ((D > 1 && v.strides[3] != 1) || (rows > 1 && v.strides[2] < D)) v = dense(v, label);
    const auto d = static_cast<uint64_t>(D);
    return {v.addr, rows > 1 ? static_cast<uint64_t>(v.strides[2]) : d,
            H > 1 ? static_cast<uint64_t>(v.strides[1]) : d,
            B > 1 ? static_cast<uint64_t>(v.strides[0]) : 0};
  }

  // The mask broadcast to [B, Hq, S, T] as per-head tiles: ld 0 = one row for all queries,
  // hs 0 = one mask for all heads, bs 0 = one for the whole batch.
  HeadTiles mask_tiles(const ir::Node& n, int64_t B, int64_t Hq, int64_t S, int64_t T) {
    View m = get(n.inputs[3]);
    if (m.shape.empty() || m.shape.back() != T) refuse(n, "the mask must span every key");
    while (m.shape.size() < 4) {
      m.shape.insert(m.shape.begin(), 1);
      m.strides.insert(m.strides.begin(), 0);
    }
    const bool per_batch = m.shape[0] == B && B > 1, per_head = m.shape[1] == Hq && Hq > 1,
               per_row = m.shape[2] == S && S > 1;
    if ((T > 1 && m.strides[3] != 1) || (per_row && m.strides[2] < T) ||
        (per_head && m.strides[1] == 0) || (per_batch && m.strides[0] == 0))
      m = dense(m, n.name + ".mask");
    const auto stride = [&](bool used, size_t i) {
      return used ? static_cast<uint64_t>(m.strides[i]) : 0;
    };
    return {m.addr, stride(per_row, 2), stride(per_head, 1), stride(per_batch, 0)};
  }

  // x [B, H, S, D] as B blocks of [S x H*D] rows (head h at column h*D): the first block's
  // address, the row stride (elements) and the blocks' distance (bytes), or a relayout.
  std::tuple<uint64_t, uint64_t, uint64_t> heads_layout(ir::ValueId id, const std::string& label) {
    const Shape& qs = type(id).shape;
    const int64_t B = qs[0], H = qs[1], S = qs[2], D = qs[3];
    View v = get(id);
    const bool ok = v.strides[3] == 1 && (H == 1 || v.strides[1] == D) && v.strides[2] >= D;
    if (!ok) {
      const View d = alloc(g_.value(id).name + ".heads", {B * S, H * D});
      v = relayout(v, d.addr, {H * S * D, D, H * D, 1}, label);
    }
    const uint64_t block =
        B > 1 ? static_cast<uint64_t>(v.strides[0]) * sim::dtype_size(v.dtype) : 0;
    return {v.addr, S == 1 ? static_cast<uint64_t>(H * D) : static_cast<uint64_t>(v.strides[2]),
            block};
  }

  // One rotate-half pass per sequence of the batch, all sharing the cos / sin tables.
  void lower_rotary(const ir::Node& n) {
    const Shape& xs = type(n.inputs[0]).shape;  // [B, H, S, D]
    const int64_t B = xs[0], H = xs[1], S = xs[2], D = xs[3];
    if (n.inputs.size() > 3 && n.inputs[3] != ir::kNoValue)
      refuse(n, "position_ids are not lowered");
    if (n.attrs.get_int("interleaved", 0) != 0) refuse(n, "only the rotate-half form is lowered");
    const int64_t rot = n.attrs.get_int("rotary_dim", 0);
    if (rot != 0 && rot != D) refuse(n, "partial rotary_dim is not lowered");
    if (type(n.inputs[1]).shape != Shape{S, D / 2})
      refuse(n, "cos / sin of [seq, head_dim / 2] only");
    if (!is_const(n.inputs[1]) || !is_const(n.inputs[2])) refuse(n, "cos / sin must be constants");
    const auto [xa, ld, x_block] = heads_layout(n.inputs[0], n.name + ".x");
    const View o = alloc(g_.value(n.outputs[0]).name, {B * S, H * D});
    RotarySpec s;
    s.seq = u32(S, n.name + " seq");
    s.heads = u32(H, n.name + " heads");
    s.head_dim = u32(D, n.name + " head_dim");
    s.ldx = ld;
    s.ldo = static_cast<uint64_t>(H * D);
    s.cos_addr = constant(n.inputs[1], DType::F32).addr;
    s.sin_addr = constant(n.inputs[2], DType::F32).addr;
    const uint64_t o_block = static_cast<uint64_t>(S * H * D) * sim::dtype_size(o.dtype);
    for (int64_t b = 0; b < B; ++b) {
      s.x_addr = xa + static_cast<uint64_t>(b) * x_block;
      s.out_addr = o.addr + static_cast<uint64_t>(b) * o_block;
      step(B > 1 ? fmt::format("{}.batch{}", n.name, b) : n.name, emit_rotary(cfg_, s));
    }
    views_[n.outputs[0]] = View{o.addr, xs, {H * S * D, D, H * D, 1}, DType::BF16};
  }

  void lower_embedding(const ir::Node& n) {
    if (!is_const(n.inputs[0]) || type(n.inputs[0]).shape.size() != 2)
      refuse(n, "the table must be a 2-D float constant");
    const View table = constant(n.inputs[0], DType::BF16);
    const ir::ValueId ids = n.inputs[1];
    const ir::ValueId out = n.outputs[0];
    const View o = alloc(g_.value(out).name, type(out).shape);
    GatherStep gs;
    gs.table_addr = table.addr;
    gs.out_addr = o.addr;
    gs.table_rows = u32(table.shape[0], n.name + " table rows");
    if (gs.table_rows == 0) refuse(n, "the table has no rows");
    gs.cols = u32(table.shape[1], n.name + " table cols");
    if (is_const(ids)) {
      // Weight-less (timing only): row i % rows stands in for id i; only addresses differ.
      const ir::Value& v = g_.value(ids);
      std::vector<int64_t> idv(static_cast<size_t>(v.type.numel()));
      for (size_t i = 0; i < idv.size(); ++i)
        idv[i] = !v.data                               ? static_cast<int64_t>(i % gs.table_rows)
                 : v.data->dtype() == nuri::DType::I64 ? v.data->data_as<int64_t>()[i]
                                                       : v.data->data_as<int32_t>()[i];
      step(n.name, emit_gather(cfg_, gs, idv, n.name));
    } else {
      const auto& in = g_.inputs();
      const auto it = std::find(in.begin(), in.end(), ids);
      if (it == in.end()) refuse(n, "ids must be a partition input or a constant");
      gs.input_index = static_cast<int>(it - in.begin());
      keep(Step{n.name, {}, gs});
    }
    views_[out] = o;
  }

  const ir::Graph& g_;
  const sim::NpuConfig& cfg_;
  sim::Simulator* sim_;
  bool dry_ = false;
  Mode mode_;
  const ActivationLayout* layout_;
  size_t activations_ = 0;          // activation allocations so far (Emit: the next plan offset)
  int64_t step_ = 0;                // the node being lowered, in topological order (inputs: 0)
  std::vector<BufferUse> buffers_;  // Layout: every allocation
  std::map<uint64_t, size_t> buffer_at_;  // Layout: start address -> buffer
  std::vector<std::optional<View>> views_;
  std::vector<std::vector<ir::NodeId>> consumers_;
  std::vector<ir::ValueId> is_output_;
  std::map<std::tuple<ir::ValueId, int, int64_t>, View> consts_;
  GemmPlans own_plans_;  // declared before plans_, which may refer to it
  GemmPlans& plans_;
  const StepSink* sink_;
  SharedGemmPlans* shared_;
  uint64_t next_ = 0;
  NpuProgram prog_;
};

}  // namespace

ActivationLayout plan_activation_layout(const ir::Graph& graph, const sim::NpuConfig& cfg) {
  Codegen layout_pass(graph, cfg, nullptr, Mode::Layout);
  layout_pass.run();
  return layout_pass.plan_layout();
}

NpuProgram generate_program(const ir::Graph& graph, const sim::NpuConfig& cfg, sim::Simulator* sim,
                            const EmitOptions& options) {
  // Lay out first (dry), plan activation memory from the lifetimes, then emit at those addresses.
  const ActivationLayout planned =
      options.layout ? ActivationLayout{} : plan_activation_layout(graph, cfg);
  return Codegen(graph, cfg, sim, Mode::Emit, options.layout ? options.layout : &planned,
                 options.plans, options.sink, options.shared)
      .run();
}

std::string lowering_refusal(const ir::Graph& graph, const sim::NpuConfig& cfg) {
  try {
    Codegen(graph, cfg, nullptr, Mode::Query).run();
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace nuri::npu
