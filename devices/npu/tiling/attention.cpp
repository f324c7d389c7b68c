#include "devices/npu/tiling/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "devices/npu/tiling/onchip_matmul.h"
#include "nuri/error.hpp"
#include "simulator/npu/timing.h"

namespace nuri::npu {

using sim::DType;
using sim::Space;
using sim::VecOp;

namespace {

constexpr uint64_t kElem = 2;  // bf16

// Scratchpad bytes: K[2], V[2] of one kv head (+ a shared mask row[2]), and per query row
// Q[2], P[2], O[2], two f32 columns (+ a mask row[2]); acc: scores and O, double-buffered.
struct Footprint {
  uint64_t fixed = 0, spm_row = 0, acc_row = 0;
  bool fits(const sim::NpuConfig& cfg, uint64_t rows) const {
    return fixed + rows * spm_row <= cfg.spm.size_bytes && rows * acc_row <= cfg.acc.size_bytes;
  }
};

Footprint footprint(const AttentionSpec& s) {
  const uint64_t T = s.kv_len ? s.kv_len : s.seq, D = s.head_dim;
  Footprint f;
  f.fixed = 4 * T * D * kElem;
  f.spm_row = 2 * (D * kElem + T * kElem + D * kElem) + 16;
  if (s.has_mask) {
    (s.mask_ld ? f.spm_row : f.fixed) += 2 * T * kElem;
    f.spm_row += 8;  // the floor and tiny columns
  }
  f.acc_row = 2 * (T + D) * 4;
  return f;
}

}  // namespace

std::string attention_unsupported(const sim::NpuConfig& cfg, const AttentionSpec& s) {
  const uint32_t T = s.kv_len ? s.kv_len : s.seq, hkv = s.kv_heads ? s.kv_heads : s.heads;
  if (s.seq == 0 || s.heads == 0 || s.head_dim == 0 || T == 0)
    return "npu attention: seq, kv_len, heads and head_dim must be > 0";
  if (s.heads % hkv != 0)
    return fmt::format("npu attention: {} query heads are not a multiple of {} kv heads", s.heads,
                       hkv);
  if (s.causal && T < s.seq)
    return fmt::format("npu attention: causal needs kv_len ({}) >= seq ({})", T, s.seq);
  if (s.dtype != DType::BF16 || !cfg.supports(DType::BF16))
    return "npu attention dtype: needs bf16 operands on a bf16-capable NPU";
  if (!footprint(s).fits(cfg, 1))
    return fmt::format(
        "npu attention: K and V of one head (kv_len {} x head_dim {}) do not fit "
        "npu.spm.size_bytes / npu.acc.size_bytes",
        T, s.head_dim);
  return "";
}

std::vector<sim::Program> emit_attention(const sim::NpuConfig& cfg, const AttentionSpec& s) {
  if (const std::string why = attention_unsupported(cfg, s); !why.empty())
    throw Error(why, NURI_ERROR_UNSUPPORTED);
  const uint64_t e = kElem, S = s.seq, D = s.head_dim, T = s.kv_len ? s.kv_len : s.seq;
  const uint32_t hkv = s.kv_heads ? s.kv_heads : s.heads, group = s.heads / hkv;
  const uint64_t q_width = uint64_t{s.heads} * D, kv_width = uint64_t{hkv} * D;
  const uint64_t ldq = s.ldq ? s.ldq : q_width, ldk = s.ldk ? s.ldk : kv_width;
  const uint64_t ldv = s.ldv ? s.ldv : kv_width, ldo = s.ldo ? s.ldo : q_width;
  const uint64_t hsq = s.hsq ? s.hsq : D, hsk = s.hsk ? s.hsk : D;
  const uint64_t hsv = s.hsv ? s.hsv : D, hso = s.hso ? s.hso : D;
  const float scale = s.scale != 0 ? s.scale : 1.0f / std::sqrt(static_cast<float>(D));
  const Footprint fp = footprint(s);
  uint64_t bq = 1;
  while (bq * 2 <= S && fp.fits(cfg, bq * 2)) bq *= 2;
  if (bq < S && fp.fits(cfg, S)) bq = S;
  uint64_t at = 0;
  auto alloc = [&](uint64_t bytes) {
    uint64_t a = at;
    at += (bytes + 63) / 64 * 64;
    return a;
  };
  const uint64_t ks[2] = {alloc(T * D * e), alloc(T * D * e)};
  const uint64_t vs[2] = {alloc(T * D * e), alloc(T * D * e)};
  const uint64_t qs[2] = {alloc(bq * D * e), alloc(bq * D * e)};
  const uint64_t ps[2] = {alloc(bq * T * e), alloc(bq * T * e)};
  const uint64_t os[2] = {alloc(bq * D * e), alloc(bq * D * e)};
  const uint64_t mask_rows = s.mask_ld ? bq : 1;
  const uint64_t ms[2] = {s.has_mask ? alloc(mask_rows * T * e) : 0,
                          s.has_mask ? alloc(mask_rows * T * e) : 0};
  const uint64_t col_a = alloc(bq * 4), col_b = alloc(bq * 4);
  const uint64_t col_floor = s.has_mask ? alloc(bq * 4) : 0;
  const uint64_t col_tiny = s.has_mask ? alloc(bq * 4) : 0;
  const uint64_t sc[2] = {0, bq * T * 4};
  const uint64_t oa[2] = {2 * bq * T * 4, 2 * bq * T * 4 + bq * D * 4};

  std::vector<sim::Program> progs(std::min<uint32_t>(cfg.cores, s.heads));
  const uint32_t per_core = static_cast<uint32_t>(sim::ceil_div(s.heads, progs.size()));
  const uint32_t t32 = static_cast<uint32_t>(T), d32 = s.head_dim;
  for (uint32_t core = 0; core < progs.size(); ++core) {
    sim::Program& p = progs[core];
    int blk = 0, kvb = 1;
    uint32_t loaded = UINT32_MAX;  // the kv head whose K, V are in buffer kvb
    const uint32_t h_lo = core * per_core, h_hi = std::min(s.heads, h_lo + per_core);
    // A mask may hide every key of a row: its max is then clamped to the lowest finite float
    // and its sum to the smallest normal one, so the row comes out 0 (as ref), not NaN. The
    // constants are made on chip: CausalMask far below the diagonal gives -inf, Relu 0.
    const auto column_of = [&](uint64_t addr, float value) {
      const sim::TileRef c = sim::tile(Space::Spm, addr, static_cast<uint32_t>(bq), 1, DType::F32);
      p.push(sim::vector_unary(VecOp::CausalMask, c, c, -static_cast<float>(1 << 30)));
      p.push(sim::vector_unary(VecOp::Relu, c, c));
      p.push(sim::vector_unary(VecOp::AddImm, c, c, value));
    };
    if (s.has_mask && h_lo < h_hi) {
      column_of(col_floor, std::numeric_limits<float>::lowest());
      column_of(col_tiny, std::numeric_limits<float>::min());
    }
    for (uint32_t h = h_lo; h < h_hi; ++h) {
      const uint32_t kvh = h / group;
      if (kvh != loaded) {  // a new kv head: load it into the other buffer
        kvb ^= 1;
        loaded = kvh;
        p.push(sim::dma_load(
            sim::tile(Space::Spm, ks[kvb], t32, d32, DType::BF16),
            sim::tile(Space::Dram, s.k_addr + kvh * hsk * e, t32, d32, DType::BF16, ldk)));
        p.push(sim::dma_load(
            sim::tile(Space::Spm, vs[kvb], t32, d32, DType::BF16),
            sim::tile(Space::Dram, s.v_addr + kvh * hsv * e, t32, d32, DType::BF16, ldv)));
      }
      const sim::TileRef kt = sim::tile(Space::Spm, ks[kvb], t32, d32, DType::BF16);
      const sim::TileRef vt = sim::tile(Space::Spm, vs[kvb], t32, d32, DType::BF16);
      for (uint64_t q0 = 0; q0 < S; q0 += bq, blk ^= 1) {
        const uint32_t n = static_cast<uint32_t>(std::min(bq, S - q0));
        const sim::TileRef q = sim::tile(Space::Spm, qs[blk], n, d32, DType::BF16);
        const sim::TileRef sco = sim::tile(Space::Acc, sc[blk], n, t32, DType::F32);
        const sim::TileRef pt = sim::tile(Space::Spm, ps[blk], n, t32, DType::BF16);
        const sim::TileRef oacc = sim::tile(Space::Acc, oa[blk], n, d32, DType::F32);
        const sim::TileRef ot = sim::tile(Space::Spm, os[blk], n, d32, DType::BF16);
        const sim::TileRef ca = sim::tile(Space::Spm, col_a + 0, n, 1, DType::F32);
        const sim::TileRef cb = sim::tile(Space::Spm, col_b + 0, n, 1, DType::F32);
        p.push(sim::dma_load(q, sim::tile(Space::Dram, s.q_addr + (q0 * ldq + h * hsq) * e, n, d32,
                                          DType::BF16, ldq)));
        emit_onchip_matmul(cfg, p, sco, q, kt, /*transpose_b=*/true, false);
        p.push(sim::vector_unary(VecOp::MulImm, sco, sco, scale));
        if (s.has_mask) {
          const uint32_t mr = s.mask_ld ? n : 1;
          const sim::TileRef mt = sim::tile(Space::Spm, ms[blk], mr, t32, DType::BF16);
          p.push(sim::dma_load(
              mt, sim::tile(Space::Dram, s.mask_addr + (q0 * s.mask_ld + h * s.mask_hs) * e, mr,
                            t32, DType::BF16, s.mask_ld ? s.mask_ld : T)));
          p.push(sim::vector_binary(VecOp::Add, sco, sco, mt,
                                    s.mask_ld ? sim::Bcast::None : sim::Bcast::Row));
        }
        if (s.causal)  // query q0 + r sits at position T - S + q0 + r
          p.push(sim::vector_unary(VecOp::CausalMask, sco, sco, static_cast<float>(T - S + q0)));
        p.push(sim::vector_unary(VecOp::RowMax, ca, sco));
        if (s.has_mask)
          p.push(sim::vector_binary(VecOp::Max, ca, ca,
                                    sim::tile(Space::Spm, col_floor, n, 1, DType::F32)));
        p.push(sim::vector_binary(VecOp::Sub, sco, sco, ca, sim::Bcast::Col));
        p.push(sim::vector_unary(VecOp::Exp, sco, sco));
        p.push(sim::vector_unary(VecOp::RowSum, cb, sco));
        if (s.has_mask)
          p.push(sim::vector_binary(VecOp::Max, cb, cb,
                                    sim::tile(Space::Spm, col_tiny, n, 1, DType::F32)));
        p.push(sim::vector_unary(VecOp::Recip, cb, cb));
        p.push(sim::vector_binary(VecOp::Mul, pt, sco, cb, sim::Bcast::Col));
        emit_onchip_matmul(cfg, p, oacc, pt, vt, false, false);
        p.push(sim::vector_unary(VecOp::Copy, ot, oacc));
        p.push(sim::dma_store(
            sim::tile(Space::Dram, s.out_addr + (q0 * ldo + h * hso) * e, n, d32, DType::BF16, ldo),
            ot));
      }
    }
  }
  return progs;
}

}  // namespace nuri::npu
