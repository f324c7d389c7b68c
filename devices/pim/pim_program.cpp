#include "devices/pim/pim_program.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/half.h"
#include "kernels/cpu/layout.h"
#include "nuri/error.hpp"
#include "simulator/pim/pim_attacc.h"
#include "simulator/pim/pim_numerics.h"

namespace nuri::pim {

namespace sp = sim::pim;

// Data moved over the external bus by the device itself (KV cache, elementwise operands and
// results), at the bus's peak bandwidth.
struct BusMove {
  uint64_t bytes = 0;
  int64_t cycles = 0;
  double energy_pj = 0;
  nlohmann::json to_json() const {
    return {{"bytes", bytes}, {"cycles_tck", cycles}, {"energy_pj", energy_pj}};
  }
};

struct PimProgram::Step {
  enum class Kind { Gemm, Attention, Eltwise } kind = Kind::Gemm;
  std::string node, op;
  ir::ValueId out = ir::kNoValue;
  // Gemm / MatMul: y[m x n] = alpha * (A[m x k] W[k x n]) + beta * C.
  ir::ValueId a = ir::kNoValue, c = ir::kNoValue;
  int64_t m = 0, k = 0, n = 0;
  float alpha = 1, beta = 1;
  std::vector<float> wt;       // W^T (n x k), rounded to the units' dtype
  std::vector<float> c_const;  // C when it is a constant
  Shape c_shape;
  // Attention (decode).
  ir::ValueId q = ir::kNoValue, kn = ir::kNoValue, vn = ir::kNoValue, pk = ir::kNoValue,
              pv = ir::kNoValue, present_k = ir::kNoValue, present_v = ir::kNoValue;
  int64_t b = 0, hq = 0, hkv = 0, t = 0, p = 0, d = 0, dv = 0;
  float scale = 1;
  // Optional mask broadcast to [b, hq, 1, len]: bool (1 = may attend) or additive; applied with
  // the softmax on the host side of the device.
  ir::ValueId mask = ir::kNoValue;
  bool mask_bool = false;
  int64_t mask_strides[4] = {0, 0, 0, 0};
  std::vector<float> mask_const;  // the mask when it is a constant
  // Timing (one GEMV of `layout`, `batch` vectors, `reps` times; attention adds v_layout).
  sp::WeightLayout layout, v_layout;
  int64_t batch = 1, reps = 1;
  sp::PimGemvResult timing, v_timing;
  BusMove kv_write;
  bool attacc = false;  // attention placed as AttAcc places it (config attention: attacc)
  sp::PimAttentionResult attacc_timing;
  // Eltwise: out = a op b over `n` elements; constant operands kept here (laid out at compile).
  sp::EltwiseOp eop = sp::EltwiseOp::kAdd;
  ir::ValueId eb = ir::kNoValue;
  std::vector<float> a_const, b_const;
  sp::EltwiseLayout elt_layout;
  sp::PimEltwiseResult elt_timing;
  BusMove operands_in, result_out;
  // Step totals.
  int64_t cycles = 0;
  double flops = 0, energy_pj = 0;
  uint64_t bus_bytes = 0;
};

namespace {

sp::PimRunOptions timing_only_run() {
  sp::PimRunOptions o;
  o.functional = false;
  o.baseline = false;
  return o;
}

// Values of the units' dtypes (or f32) as floats and back: kernels::cast, which rounds to
// nearest even. Every value the program touches is float-typed (the capability check).
std::vector<float> to_floats(const void* src, DType dt, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  kernels::cast(src, static_cast<nuri_dtype>(dt), v.data(), NURI_DTYPE_F32, n);
  return v;
}

void from_floats(const std::vector<float>& v, DType dt, void* dst) {
  kernels::cast(v.data(), NURI_DTYPE_F32, dst, static_cast<nuri_dtype>(dt), int64_t(v.size()));
}

void round_to(std::vector<float>& v, DType dt) {
  if (dt == DType::F16) kernels::round_to_f16(v.data(), v.size());
  if (dt == DType::BF16) kernels::round_to_bf16(v.data(), v.size());
}

// The units' numerics (simulator/pim) for y = W x, rows split over host threads: rows are
// independent, so the result is identical to one call.
void gemv_numerics(const sp::PimConfig& cfg, const float* w, const float* x, int64_t rows,
                   int64_t cols, float* y, int64_t split_cols) {
  const int64_t threads = std::min<int64_t>(std::max(1u, std::thread::hardware_concurrency()),
                                            rows * cols / (int64_t{1} << 20));
  if (threads <= 1) return sp::pim_gemv_numerics(cfg, w, x, rows, cols, y, split_cols);
  std::vector<std::thread> pool;
  const int64_t chunk = (rows + threads - 1) / threads;
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    pool.emplace_back([&cfg, w, x, cols, y, r0, n, split_cols] {
      sp::pim_gemv_numerics(cfg, w + r0 * cols, x, n, cols, y + r0, split_cols);
    });
  }
  for (auto& t : pool) t.join();
}

// Moving `bytes` between the host and PIM memory at the bus's peak: each burst pays the array
// access and the I/O, each DRAM row one activation (rows filled or drained sequentially).
BusMove bus_move(const sp::PimConfig& cfg, uint64_t bytes, bool write) {
  const sim::dram::DramEnergy& e = cfg.dram.energy;
  BusMove m;
  m.bytes = bytes;
  const double bus_bytes_per_tck = cfg.dram.peak_bytes_per_ns() * cfg.dram.t.tck_ns;
  m.cycles = static_cast<int64_t>(std::ceil(double(bytes) / bus_bytes_per_tck));
  m.energy_pj = std::ceil(double(bytes) / cfg.dram.org.burst_bytes()) *
                    (e.io_pj + (write ? e.array_wr_pj : e.array_rd_pj)) +
                std::ceil(double(bytes) / cfg.dram.org.row_bytes) * e.act_pj;
  return m;
}

// Rows of the PIM memory's banks in use (every weight spans all banks).
class BankRows {
 public:
  explicit BankRows(const sp::PimConfig& cfg) : cfg_(cfg) {}
  void take(const sp::WeightLayout& l, int64_t copies) {
    take_rows(l.tensor,
              std::to_string(l.rows) + " x " + std::to_string(l.cols) +
                  (copies > 1 ? " x " + std::to_string(copies) : ""),
              (l.dram_rows_per_bank - 1) * copies);  // the mode row is shared
  }
  void take_rows(const std::string& tensor, const std::string& shape, int64_t need) {
    if (used_ + need > cfg_.dram.org.rows)
      throw Error("pim: tensor '" + tensor + "' (" + shape + ") does not fit in " + cfg_.name +
                      " memory: needs " + std::to_string(need) + " rows per bank, " +
                      std::to_string(cfg_.dram.org.rows - used_) + " of " +
                      std::to_string(cfg_.dram.org.rows) + " free",
                  NURI_ERROR_OUT_OF_MEMORY);
    used_ += need;
  }

 private:
  const sp::PimConfig& cfg_;
  int64_t used_ = 1;  // the reserved mode-switch row
};

}  // namespace

PimProgram::PimProgram(ir::Graph graph, const PimDeviceOptions& opt)
    : graph_(std::move(graph)), opt_(opt), gemv_(opt.config), eltwise_(opt.config) {
  const sp::PimConfig& cfg = opt_.config;
  const DType dt = pim_dtype(cfg);
  BankRows bank_rows(cfg);
  const auto is_eltwise = [](ir::OpKind k) { return k == ir::OpKind::Add || k == ir::OpKind::Mul; };
  // Values held in PIM memory after their step: elementwise results. One leaves it (a readout)
  // when it is a partition output or feeds a non-elementwise step.
  std::vector<char> in_pim(graph_.values().size(), 0), leaves(graph_.values().size(), 0);
  for (ir::ValueId v : graph_.outputs()) leaves[size_t(v)] = 1;
  for (const ir::Node& n : graph_.nodes())
    if (!is_eltwise(n.op))
      for (ir::ValueId v : n.inputs)
        if (v != ir::kNoValue) leaves[size_t(v)] = 1;
  for (ir::NodeId id : graph_.topo_order()) {
    const ir::Node& node = graph_.node(id);
    auto s = std::make_unique<Step>();
    s->node = node.name;
    s->op = op_name(node.op);
    s->out = node.outputs.at(0);
    const auto type = [&](ir::ValueId v) -> const ir::TensorType& { return graph_.value(v).type; };
    const auto check_dtype = [&](ir::ValueId v) {
      const DType vt = type(v).dtype;
      if (vt != dt && !(opt_.accept_f32 && vt == DType::F32))
        throw Error("pim: node '" + node.name + "': value '" + graph_.value(v).name + "' is " +
                        dtype_name(vt) + ", the units compute in " + dtype_name(dt) +
                        (opt_.accept_f32 ? " (or take f32)" : " (f32=0)"),
                    NURI_ERROR_UNSUPPORTED);
    };
    if (node.op == ir::OpKind::MatMul || node.op == ir::OpKind::Gemm) {
      const bool gemm = node.op == ir::OpKind::Gemm;
      s->a = node.inputs.at(0);
      const ir::Value& w = graph_.value(node.inputs.at(1));
      check_dtype(s->a);
      check_dtype(node.inputs.at(1));
      if (w.kind != ir::ValueKind::Constant || w.type.shape.size() != 2)
        throw Error(
            "pim: node '" + node.name + "': weight '" + w.name + "' is not a constant 2-D matrix",
            NURI_ERROR_UNSUPPORTED);
      const bool tb = gemm && node.attrs.get_int("transB", 0) != 0;
      if (gemm && node.attrs.get_int("transA", 0) != 0)
        throw Error("pim: node '" + node.name + "': transA is not mapped", NURI_ERROR_UNSUPPORTED);
      s->k = w.type.shape[tb ? 1 : 0];
      s->n = w.type.shape[tb ? 0 : 1];
      s->m = type(s->a).numel() / std::max<int64_t>(s->k, 1);
      if (s->m < 1 || s->m > opt_.max_rows)
        throw Error("pim: node '" + node.name + "': activation has " + std::to_string(s->m) +
                        " rows, PIM maps M <= " + std::to_string(opt_.max_rows),
                    NURI_ERROR_UNSUPPORTED);
      if (gemm) {
        s->alpha = static_cast<float>(node.attrs.get_float("alpha", 1.0));
        s->beta = static_cast<float>(node.attrs.get_float("beta", 1.0));
        if (node.inputs.size() > 2 && node.inputs[2] != ir::kNoValue) {
          s->c = node.inputs[2];
          const ir::Value& c = graph_.value(s->c);
          s->c_shape = c.type.shape;
          if (c.kind == ir::ValueKind::Constant) {
            if (c.data)
              s->c_const = to_floats(c.data->data(), c.type.dtype, c.type.numel());
            else if (!opt_.timing_only)
              throw Error("pim: constant '" + c.name + "' has no data (use timing_only=1)");
          }
        }
      }
      // Lay the weight out once: W^T rows are the GEMV's output rows.
      s->layout = gemv_.layout(w.name, s->n, s->k);
      bank_rows.take(s->layout, 1);
      if (w.data) {
        const std::vector<float> wf = to_floats(w.data->data(), w.type.dtype, w.type.numel());
        s->wt.resize(static_cast<size_t>(s->n * s->k));
        if (tb) {
          s->wt = wf;
        } else {  // blocked transpose W[k x n] -> W^T[n x k]
          constexpr int64_t kB = 64;
          for (int64_t k0 = 0; k0 < s->k; k0 += kB)
            for (int64_t i0 = 0; i0 < s->n; i0 += kB)
              for (int64_t kk = k0; kk < std::min(s->k, k0 + kB); ++kk)
                for (int64_t i = i0; i < std::min(s->n, i0 + kB); ++i)
                  s->wt[size_t(i * s->k + kk)] = wf[size_t(kk * s->n + i)];
        }
      } else if (!opt_.timing_only) {
        throw Error("pim: weight '" + w.name + "' has no data (use timing_only=1)");
      }
      s->batch = s->m;
      if (!opt_.dry_run)
        s->timing = gemv_.run(s->layout, nullptr, nullptr, s->batch, timing_only_run());
      s->cycles = s->timing.cycles;
      s->flops = 2.0 * double(s->m) * double(s->n) * double(s->k);
      s->bus_bytes = s->timing.bus_bytes;
      s->energy_pj = s->timing.energy_pj;
    } else if (node.op == ir::OpKind::Attention) {
      s->kind = Step::Kind::Attention;
      const auto in = [&](size_t i) {
        return i < node.inputs.size() ? node.inputs[i] : ir::kNoValue;
      };
      s->q = in(0);
      s->kn = in(1);
      s->vn = in(2);
      s->pk = in(4);
      s->pv = in(5);
      if (s->pk == ir::kNoValue || s->pv == ir::kNoValue)
        throw Error("pim: node '" + node.name +
                        "': not a decode step (no past_key/past_value); only decode attention "
                        "is mapped",
                    NURI_ERROR_UNSUPPORTED);
      if (node.outputs.size() != 1 && node.outputs.size() != 3)
        throw Error("pim: node '" + node.name + "': expected 1 or 3 outputs",
                    NURI_ERROR_UNSUPPORTED);
      if (in(6) != ir::kNoValue)
        throw Error(
            "pim: node '" + node.name + "': kv_len (a KV cache updated in place) is not mapped",
            NURI_ERROR_UNSUPPORTED);
      for (ir::ValueId v : {s->q, s->kn, s->vn, s->pk, s->pv}) check_dtype(v);
      const Shape &qs = type(s->q).shape, &ks = type(s->kn).shape, &vs = type(s->vn).shape;
      s->b = qs[0];
      s->hq = qs[1];
      s->d = qs[3];
      s->hkv = ks[1];
      s->t = ks[2];
      s->dv = vs[3];
      s->p = type(s->pk).shape[2];
      if (qs[2] != 1)
        throw Error("pim: node '" + node.name + "': q_len " + std::to_string(qs[2]) +
                        " != 1 (only decode attention is mapped)",
                    NURI_ERROR_UNSUPPORTED);
      s->scale = static_cast<float>(node.attrs.get_float(
          "scale", 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(s->d, 1)))));
      if (node.outputs.size() == 3) {
        s->present_k = node.outputs[1];
        s->present_v = node.outputs[2];
      }
      const int64_t len = s->p + s->t;
      if (in(3) != ir::kNoValue) {
        s->mask = in(3);
        const DType mt = type(s->mask).dtype;
        s->mask_bool = mt == DType::Bool;
        if (!s->mask_bool) check_dtype(s->mask);
        const Shape scores{s->b, s->hq, 1, len};
        const std::vector<int64_t> st = kernels::broadcast_strides(type(s->mask).shape, scores);
        std::copy(st.begin(), st.end(), s->mask_strides);
        const ir::Value& mv = graph_.value(s->mask);
        if (mv.kind == ir::ValueKind::Constant) {
          if (mv.data)
            s->mask_const = to_floats(mv.data->data(), mt, mv.type.numel());
          else if (!opt_.timing_only)
            throw Error("pim: constant '" + mv.name + "' has no data (use timing_only=1)");
        }
      }
      s->layout = gemv_.layout(graph_.value(s->pk).name, len, s->d);     // K_all: L x D
      s->v_layout = gemv_.layout(graph_.value(s->pv).name, s->dv, len);  // V_all^T: Dv x L
      s->reps = s->b * s->hkv;
      bank_rows.take(s->layout, s->reps);
      bank_rows.take(s->v_layout, s->reps);
      s->batch = s->hq / s->hkv;  // the GQA group's query heads share one pass over the cache
      if (!opt_.dry_run) {
        s->timing = gemv_.run(s->layout, nullptr, nullptr, s->batch, timing_only_run());
        s->v_timing = gemv_.run(s->v_layout, nullptr, nullptr, s->batch, timing_only_run());
      }
      // Moving the cache into PIM memory: the whole cache each step, or (kv_resident) only the
      // new tokens' rows; at the bus's peak bandwidth, each burst paying array write + I/O and
      // each DRAM row written one activation (rows filled sequentially).
      const int64_t rows_moved = opt_.kv_resident ? s->t : len;
      s->kv_write = bus_move(
          cfg, uint64_t(s->reps * rows_moved * (s->d + s->dv)) * uint64_t(dtype_size(dt)), true);
      s->cycles = s->reps * (s->timing.cycles + s->v_timing.cycles) + s->kv_write.cycles;
      s->flops = 2.0 * double(s->b * s->hq) * double(len) * double(s->d + s->dv);
      s->bus_bytes =
          uint64_t(s->reps) * (s->timing.bus_bytes + s->v_timing.bus_bytes) + s->kv_write.bytes;
      s->energy_pj =
          double(s->reps) * (s->timing.energy_pj + s->v_timing.energy_pj) + s->kv_write.energy_pj;
      if (cfg.attention == sp::AttentionMapping::kAttAcc) {
        // AttAcc's placement: a (batch, KV head) per channel, softmax timed in the device.
        s->attacc = true;
        if (!opt_.dry_run)
          s->attacc_timing = sp::run_attacc_attention(cfg, {s->reps, len, s->d, s->dv, s->batch});
        s->cycles = s->attacc_timing.cycles + s->kv_write.cycles;
        s->bus_bytes = s->attacc_timing.bus_bytes + s->kv_write.bytes;
        s->energy_pj = s->attacc_timing.energy_pj + s->kv_write.energy_pj;
      }
    } else if (is_eltwise(node.op) && node.inputs.size() == 2) {
      s->kind = Step::Kind::Eltwise;
      s->eop = node.op == ir::OpKind::Add ? sp::EltwiseOp::kAdd : sp::EltwiseOp::kMul;
      s->a = node.inputs[0];
      s->eb = node.inputs[1];
      if (!eltwise_.available())
        throw Error(
            "pim: node '" + node.name + "': config " + cfg.name + " has no elementwise kernel",
            NURI_ERROR_UNSUPPORTED);
      check_dtype(s->a);
      check_dtype(s->eb);
      const int64_t n = type(s->out).numel();
      if (type(s->a).numel() != n || type(s->eb).numel() != n)
        throw Error("pim: node '" + node.name + "': operands broadcast (" +
                        shape_str(type(s->a).shape) + " and " + shape_str(type(s->eb).shape) +
                        "); PIM maps same-size operands only",
                    NURI_ERROR_UNSUPPORTED);
      s->elt_layout = eltwise_.layout(graph_.value(s->out).name, n);  // errors name the tensor
      bank_rows.take_rows(s->elt_layout.tensor, std::to_string(n) + " elements, with its operands",
                          s->elt_layout.dram_rows_per_bank);
      uint64_t bytes_in = 0;
      for (const auto& [v, store] : {std::pair{s->a, &s->a_const}, std::pair{s->eb, &s->b_const}}) {
        const ir::Value& val = graph_.value(v);
        if (val.kind == ir::ValueKind::Constant) {
          if (val.data)
            *store = to_floats(val.data->data(), val.type.dtype, n);
          else if (!opt_.timing_only)
            throw Error("pim: constant '" + val.name + "' has no data (use timing_only=1)");
        } else if (!in_pim[size_t(v)]) {
          bytes_in += uint64_t(n) * uint64_t(dtype_size(dt));
          in_pim[size_t(v)] = 1;  // written in once (x + x, or a later step reading it again)
        }
      }
      s->operands_in = bus_move(cfg, bytes_in, true);
      if (leaves[size_t(s->out)])
        s->result_out = bus_move(cfg, uint64_t(n) * uint64_t(dtype_size(dt)), false);
      in_pim[size_t(s->out)] = 1;
      sp::PimEltwiseOptions eo;
      eo.functional = false;
      eo.baseline = false;
      if (!opt_.dry_run) s->elt_timing = eltwise_.run(s->elt_layout, s->eop, nullptr, nullptr, eo);
      s->cycles = s->operands_in.cycles + s->elt_timing.cycles + s->result_out.cycles;
      s->flops = double(n);
      s->bus_bytes = s->operands_in.bytes + s->elt_timing.bus_bytes + s->result_out.bytes;
      s->energy_pj = s->operands_in.energy_pj + s->elt_timing.energy_pj + s->result_out.energy_pj;
    } else {
      throw Error("pim: node '" + node.name + "': op " + std::string(op_name(node.op)) +
                      " is not mapped to PIM (GEMV, skinny GEMM, decode attention and same-size "
                      "Add/Mul only)",
                  NURI_ERROR_UNSUPPORTED);
    }
    total_cycles_ += s->cycles;
    useful_flops_ += s->flops;
    bus_bytes_ += s->bus_bytes;
    energy_pj_ += s->energy_pj;
    steps_.push_back(std::move(s));
  }
}

PimProgram::~PimProgram() = default;

double PimProgram::ns() const {
  return double(total_cycles_) * opt_.config.dram.t.tck_ns;
}

void PimProgram::run_gemm(const Step& s, std::vector<std::vector<float>>& vals) const {
  const std::vector<float>& x = vals.at(size_t(s.a));
  std::vector<float> y(size_t(s.m * s.n));
  for (int64_t r = 0; r < s.m; ++r)
    gemv_numerics(opt_.config, s.wt.data(), x.data() + r * s.k, s.n, s.k, y.data() + r * s.n,
                  s.layout.split_cols);
  if (s.op == "Gemm") {  // host epilogue on the f32 sums
    const std::vector<float>* c = nullptr;
    if (s.c != ir::kNoValue) c = s.c_const.empty() ? &vals.at(size_t(s.c)) : &s.c_const;
    const int64_t cr = s.c_shape.size() == 2 ? s.c_shape[0] : 1;
    const int64_t cc = s.c_shape.empty() ? 1 : s.c_shape.back();
    for (int64_t r = 0; r < s.m; ++r)
      for (int64_t j = 0; j < s.n; ++j) {
        float& v = y[size_t(r * s.n + j)];
        v *= s.alpha;
        if (c) v += s.beta * (*c)[size_t((cr == 1 ? 0 : r) * cc + (cc == 1 ? 0 : j))];
      }
  }
  round_to(y, graph_.value(s.out).type.dtype);
  vals.at(size_t(s.out)) = std::move(y);
}

void PimProgram::run_eltwise(const Step& s, std::vector<std::vector<float>>& vals) const {
  const std::vector<float>& a = s.a_const.empty() ? vals.at(size_t(s.a)) : s.a_const;
  const std::vector<float>& b = s.b_const.empty() ? vals.at(size_t(s.eb)) : s.b_const;
  std::vector<float> y(size_t(s.elt_layout.elems));
  sp::pim_eltwise_numerics(opt_.config, s.eop, a.data(), b.data(), s.elt_layout.elems, y.data());
  vals.at(size_t(s.out)) = std::move(y);
}

void PimProgram::run_attention(const Step& s, std::vector<std::vector<float>>& vals) const {
  const std::vector<float>&q = vals.at(size_t(s.q)), &kn = vals.at(size_t(s.kn)),
        &vn = vals.at(size_t(s.vn)), &pk = vals.at(size_t(s.pk)), &pv = vals.at(size_t(s.pv));
  const int64_t len = s.p + s.t, group = s.hq / s.hkv;
  const std::vector<float>* mask = s.mask == ir::kNoValue ? nullptr
                                   : s.mask_const.empty() ? &vals.at(size_t(s.mask))
                                                          : &s.mask_const;
  std::vector<float> y(size_t(s.b * s.hq * s.dv));
  std::vector<float> kall(size_t(s.b * s.hkv * len * s.d)), vall(size_t(s.b * s.hkv * len * s.dv));
  std::vector<float> vt(static_cast<size_t>(s.dv * len)), scores(static_cast<size_t>(len));
  for (int64_t bh = 0; bh < s.b * s.hkv; ++bh) {
    float* kh = kall.data() + bh * len * s.d;
    float* vh = vall.data() + bh * len * s.dv;
    std::copy_n(pk.data() + bh * s.p * s.d, s.p * s.d, kh);
    std::copy_n(kn.data() + bh * s.t * s.d, s.t * s.d, kh + s.p * s.d);
    std::copy_n(pv.data() + bh * s.p * s.dv, s.p * s.dv, vh);
    std::copy_n(vn.data() + bh * s.t * s.dv, s.t * s.dv, vh + s.p * s.dv);
    for (int64_t l = 0; l < len; ++l)
      for (int64_t e = 0; e < s.dv; ++e) vt[size_t(e * len + l)] = vh[l * s.dv + e];
    const int64_t b = bh / s.hkv, g = bh % s.hkv;
    for (int64_t j = 0; j < group; ++j) {
      const int64_t h = g * group + j;
      // scores = K_all q (PIM), softmax on the host side in f32, y = V_all^T p (PIM).
      sp::pim_gemv_numerics(opt_.config, kh, q.data() + (b * s.hq + h) * s.d, len, s.d,
                            scores.data(), s.layout.split_cols);
      float mx = -INFINITY;
      const int64_t mrow = b * s.mask_strides[0] + h * s.mask_strides[1];
      for (int64_t l = 0; l < len; ++l) {
        float& v = scores[size_t(l)];
        v *= s.scale;
        if (mask) {
          const float m = (*mask)[size_t(mrow + l * s.mask_strides[3])];
          v = s.mask_bool ? (m != 0 ? v : -INFINITY) : v + m;
        }
        mx = std::max(mx, v);
      }
      float* yh = y.data() + (b * s.hq + h) * s.dv;
      if (mx == -INFINITY) {  // every key masked: zeros, as the reference
        std::fill_n(yh, s.dv, 0.0f);
        continue;
      }
      double sum = 0;
      for (float& v : scores) sum += (v = std::exp(v - mx));
      for (float& v : scores) v = static_cast<float>(v / sum);
      sp::pim_gemv_numerics(opt_.config, vt.data(), scores.data(), s.dv, len, yh,
                            s.v_layout.split_cols);
    }
  }
  round_to(y, graph_.value(s.out).type.dtype);
  vals.at(size_t(s.out)) = std::move(y);
  if (s.present_k != ir::kNoValue) {
    vals.at(size_t(s.present_k)) = std::move(kall);
    vals.at(size_t(s.present_v)) = std::move(vall);
  }
}

void PimProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  const auto& gin = graph_.inputs();
  const auto& gout = graph_.outputs();
  if (inputs.size() != gin.size() || outputs.size() != gout.size())
    throw Error("pim: partition '" + graph_.name() + "' takes " + std::to_string(gin.size()) +
                " inputs and " + std::to_string(gout.size()) + " outputs, got " +
                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  ++executions_;
  // Timing only: stats are static and the outputs are left untouched, as on the npu (a fresh
  // buffer reads as zeros; writing zeros would make a resident KV cache's gigabytes resident).
  if (opt_.timing_only) return;
  std::vector<std::vector<float>> vals(graph_.values().size());
  for (size_t i = 0; i < gin.size(); ++i) {
    const ir::TensorType& t = graph_.value(gin[i]).type;
    vals[size_t(gin[i])] = to_floats(inputs[i], t.dtype, t.numel());
  }
  for (const auto& s : steps_) {
    switch (s->kind) {
      case Step::Kind::Gemm:
        run_gemm(*s, vals);
        break;
      case Step::Kind::Attention:
        run_attention(*s, vals);
        break;
      case Step::Kind::Eltwise:
        run_eltwise(*s, vals);
        break;
    }
  }
  for (size_t i = 0; i < gout.size(); ++i) {
    const ir::Value& v = graph_.value(gout[i]);
    if (vals[size_t(gout[i])].size() != size_t(v.type.numel()))
      throw Error("pim: partition output '" + v.name + "' was not computed");
    from_floats(vals[size_t(gout[i])], v.type.dtype, outputs[i]);
  }
}

nuri_exec_stats PimProgram::stats() const {
  nuri_exec_stats s{};
  s.struct_size = sizeof(s);
  if (executions_ == 0) return s;
  s.cycles = uint64_t(total_cycles_);
  s.clock_hz = 1e9 / opt_.config.dram.t.tck_ns;
  s.elapsed_ns = ns();
  s.bytes_moved = bus_bytes_;
  s.energy_joules = energy_pj_ * 1e-12;
  s.executions = executions_;
  return s;
}

nlohmann::json PimProgram::report() const {
  using nlohmann::json;
  const sp::PimConfig& cfg = opt_.config;
  json steps = json::array();
  sp::PimCounts counts;
  double util_weighted = 0, gemv_ns = 0, baseline_ns = 0, baseline_energy = 0;
  uint64_t hits = 0, macs = 0;
  for (const auto& s : steps_) {
    json j = {{"node", s->node},          {"op", s->op},
              {"cycles_tck", s->cycles},  {"ns", double(s->cycles) * cfg.dram.t.tck_ns},
              {"flops", s->flops},        {"bus_bytes", s->bus_bytes},
              {"energy_pj", s->energy_pj}};
    const auto add_gemv = [&](const char* key, const sp::WeightLayout& l,
                              const sp::PimGemvResult& r, int64_t reps) {
      sp::PimGemvResult with = r;
      with.baseline = gemv_.baseline(l, s->batch);
      with.has_baseline = true;
      with.speedup = r.ns > 0 ? with.baseline.ns / r.ns : 0;
      j[key] = {{"layout", l.to_json()},
                {"batch", s->batch},
                {"repetitions", reps},
                {"pim", with.to_json()}};
      counts += r.counts.times(uint64_t(reps));
      util_weighted += r.unit_utilization * double(r.cycles * reps);
      macs += r.counts.mac * uint64_t(reps);
      hits += uint64_t(std::llround(r.row_hit_rate * double(r.counts.mac))) * uint64_t(reps);
      gemv_ns += r.ns * double(reps);
      baseline_ns += with.baseline.ns * double(reps);
      baseline_energy += with.baseline.energy_pj * double(reps);
    };
    if (s->kind == Step::Kind::Gemm) {
      j["shape"] = {{"m", s->m}, {"k", s->k}, {"n", s->n}};
      add_gemv("gemv", s->layout, s->timing, 1);
    } else if (s->kind == Step::Kind::Eltwise) {
      sp::PimEltwiseResult with = s->elt_timing;
      with.baseline = eltwise_.baseline(s->elt_layout);
      with.has_baseline = true;
      with.speedup = with.ns > 0 ? with.baseline.ns / with.ns : 0;
      j["eltwise"] = {{"op", sp::eltwise_op_name(s->eop)},
                      {"layout", s->elt_layout.to_json()},
                      {"pim", with.to_json()},
                      {"operands_written_in", s->operands_in.to_json()},
                      {"result_read_out", s->result_out.to_json()}};
      counts += s->elt_timing.counts;
    } else {
      j["shape"] = {{"batch", s->b},         {"q_heads", s->hq}, {"kv_heads", s->hkv},
                    {"kv_len", s->p + s->t}, {"head_dim", s->d}, {"v_head_dim", s->dv}};
      if (s->attacc) {
        j["placement"] = "attacc: a head per channel, sequence and head dims across banks";
        j["softmax"] = "buffer-die unit (timed)";
        j["attacc"] = s->attacc_timing.to_json();
        counts += s->attacc_timing.counts;
      } else {
        j["softmax"] = "host side of the device (not timed)";
        add_gemv("qk_gemv", s->layout, s->timing, s->reps);
        add_gemv("pv_gemv", s->v_layout, s->v_timing, s->reps);
      }
      j["kv_cache_write"] = s->kv_write.to_json();
      j["kv_cache_write"]["policy"] =
          opt_.kv_resident ? "resident: new tokens only" : "whole cache every execute";
    }
    steps.push_back(std::move(j));
  }
  const double total_ns = ns();
  return {{"device", "pim"},
          {"config", cfg.name},
          {"source", cfg.source},
          {"clock", {{"domain", "DRAM command clock (tCK)"}, {"hz", 1e9 / cfg.dram.t.tck_ns}}},
          {"timing_only", opt_.timing_only},
          {"kv_resident", opt_.kv_resident},
          {"executions", executions_},
          {"steps", steps},
          {"totals",
           {{"cycles_tck", total_cycles_},
            {"ns", total_ns},
            {"commands", counts.to_json()},
            {"bus_bytes", bus_bytes_},
            {"energy_pj", energy_pj_},
            {"energy_joules", energy_pj_ * 1e-12},
            {"unit_utilization", total_cycles_ ? util_weighted / double(total_cycles_) : 0.0},
            {"row_hit_rate", macs ? double(hits) / double(macs) : 0.0},
            {"gflops", total_ns > 0 ? useful_flops_ / total_ns : 0.0},
            {"peak_gflops", cfg.peak_gflops()},
            {"gemv_ns", gemv_ns},
            {"baseline_gemv_ns", baseline_ns},
            {"baseline_energy_pj", baseline_energy},
            {"gemv_speedup", gemv_ns > 0 ? baseline_ns / gemv_ns : 0.0}}}};
}

void PimProgram::write_report(const char* report_path, const char* trace_path) const {
  if (report_path) {
    std::ofstream out(report_path);
    if (!out)
      throw Error(std::string("pim: cannot write report '") + report_path + "'",
                  NURI_ERROR_NOT_FOUND);
    out << report().dump(2);
    if (!out) throw Error(std::string("pim: failed writing report '") + report_path + "'");
  }
  if (!trace_path) return;
  // Re-simulates each step's GEMVs (timing is data-independent) with per-channel tracks, shifted
  // to the step's start; repeated attention GEMVs beyond the first pair show as one span.
  nlohmann::json events = nlohmann::json::array();
  const double us_per_tck = opt_.config.dram.t.tck_ns * 1e-3;
  double t0 = 0;
  const auto append = [&](const sim::ChromeTrace& tr, double offset_us) {
    const nlohmann::json run_trace = tr.to_json();
    for (nlohmann::json e : run_trace.at("traceEvents")) {
      if (e.contains("ts") && e.value("ph", "") != "M") e["ts"] = e["ts"].get<double>() + offset_us;
      events.push_back(std::move(e));
    }
  };
  const auto add = [&](const sp::WeightLayout& l, int64_t batch, double offset_us) {
    sim::ChromeTrace tr;
    sp::PimRunOptions o = timing_only_run();
    o.trace = &tr;
    o.max_trace_spans_per_channel = 200;
    gemv_.run(l, nullptr, nullptr, batch, o);
    append(tr, offset_us);
  };
  sim::ChromeTrace steps;
  steps.name_process(100, "pim program");
  steps.name_track(100, 0, "steps");
  for (const auto& s : steps_) {
    steps.span(100, 0, s->node + " (" + s->op + ")", "step", t0, double(s->cycles) * us_per_tck,
               {{"cycles_tck", s->cycles}});
    double t = t0;
    if (s->kind == Step::Kind::Eltwise) {
      if (s->operands_in.cycles > 0)
        steps.span(100, 1, "operands written in", "bus", t,
                   double(s->operands_in.cycles) * us_per_tck, {{"bytes", s->operands_in.bytes}});
      t += double(s->operands_in.cycles) * us_per_tck;
      sim::ChromeTrace tr;
      sp::PimEltwiseOptions o;
      o.functional = false;
      o.baseline = false;
      o.trace = &tr;
      o.max_trace_spans_per_channel = 200;
      eltwise_.run(s->elt_layout, s->eop, nullptr, nullptr, o);
      append(tr, t);
      t += double(s->elt_timing.cycles) * us_per_tck;
      if (s->result_out.cycles > 0)
        steps.span(100, 1, "result read out", "bus", t, double(s->result_out.cycles) * us_per_tck,
                   {{"bytes", s->result_out.bytes}});
      t0 += double(s->cycles) * us_per_tck;
      continue;
    }
    if (s->attacc) {  // per-channel tracks of AttAcc's placement, then the KV write
      sim::ChromeTrace tr;
      const sp::AttentionShape shape{s->reps, s->p + s->t, s->d, s->dv, s->batch};
      sp::run_attacc_attention(opt_.config, shape, &tr);
      append(tr, t);
      t += double(s->attacc_timing.cycles) * us_per_tck;
      steps.span(100, 1, "KV cache write", "bus", t, double(s->kv_write.cycles) * us_per_tck,
                 {{"bytes", s->kv_write.bytes}});
      t0 += double(s->cycles) * us_per_tck;
      continue;
    }
    add(s->layout, s->batch, t);
    t += double(s->timing.cycles) * us_per_tck;
    if (s->kind == Step::Kind::Attention) {
      add(s->v_layout, s->batch, t);
      t += double(s->v_timing.cycles) * us_per_tck;
      if (s->reps > 1) {
        const double dur =
            double((s->reps - 1) * (s->timing.cycles + s->v_timing.cycles)) * us_per_tck;
        steps.span(100, 1, std::to_string(s->reps - 1) + " more heads (same GEMVs)", "pim", t, dur);
        t += dur;
      }
      steps.span(100, 1, "KV cache write", "bus", t, double(s->kv_write.cycles) * us_per_tck,
                 {{"bytes", s->kv_write.bytes}});
    }
    t0 += double(s->cycles) * us_per_tck;
  }
  steps.name_track(100, 1, "repeated heads / bus moves");
  const nlohmann::json step_trace = steps.to_json();
  for (const auto& e : step_trace.at("traceEvents")) events.push_back(e);
  std::ofstream out(trace_path);
  if (!out)
    throw Error(std::string("pim: cannot write trace '") + trace_path + "'", NURI_ERROR_NOT_FOUND);
  out << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ns"}}.dump();
  if (!out) throw Error(std::string("pim: failed writing trace '") + trace_path + "'");
}

}  // namespace nuri::pim
