#include "devices/npu/tiling/attention.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "devices/npu/tiling/onchip_matmul.h"
#include "nuri/error.hpp"
#include "simulator/npu/timing.h"

namespace nuri::npu {

using sim::DType;
using sim::Space;
using sim::VecOp;

std::vector<sim::Program> emit_attention(const sim::NpuConfig& cfg, const AttentionSpec& s) {
  if (s.seq == 0 || s.heads == 0 || s.head_dim == 0)
    throw Error("npu attention: seq, heads and head_dim must be > 0");
  if (s.dtype != DType::BF16 || !cfg.supports(DType::BF16))
    throw Error("npu attention dtype: needs bf16 operands on a bf16-capable NPU",
                NURI_ERROR_UNSUPPORTED);
  const uint64_t e = 2, S = s.seq, D = s.head_dim, width = uint64_t{s.heads} * D;
  const uint64_t ldq = s.ldq ? s.ldq : width, ldk = s.ldk ? s.ldk : width;
  const uint64_t ldv = s.ldv ? s.ldv : width, ldo = s.ldo ? s.ldo : width;
  const float scale = s.scale != 0 ? s.scale : 1.0f / std::sqrt(static_cast<float>(D));
  // spm: K[2], V[2] per head; per query row: Q[2], P[2], O[2], two f32 columns.
  const uint64_t kv = 4 * S * D * e;
  const uint64_t spm_row = 2 * (D * e + S * e + D * e) + 16;
  const uint64_t acc_row = 2 * (S + D) * 4;  // scores and O, double-buffered
  uint64_t bq = 1;
  auto fits = [&](uint64_t b) {
    return kv + b * spm_row <= cfg.spm.size_bytes && b * acc_row <= cfg.acc.size_bytes;
  };
  if (!fits(1))
    throw Error(
        fmt::format("npu attention: seq {} x head_dim {} does not fit npu.spm.size_bytes "
                    "/ npu.acc.size_bytes",
                    S, D));
  while (bq * 2 <= S && fits(bq * 2)) bq *= 2;
  if (bq < S && fits(S)) bq = S;
  uint64_t at = 0;
  auto alloc = [&](uint64_t bytes) {
    uint64_t a = at;
    at += (bytes + 63) / 64 * 64;
    return a;
  };
  const uint64_t ks[2] = {alloc(S * D * e), alloc(S * D * e)};
  const uint64_t vs[2] = {alloc(S * D * e), alloc(S * D * e)};
  const uint64_t qs[2] = {alloc(bq * D * e), alloc(bq * D * e)};
  const uint64_t ps[2] = {alloc(bq * S * e), alloc(bq * S * e)};
  const uint64_t os[2] = {alloc(bq * D * e), alloc(bq * D * e)};
  const uint64_t col_a = alloc(bq * 4), col_b = alloc(bq * 4);
  const uint64_t sc[2] = {0, bq * S * 4};
  const uint64_t oa[2] = {2 * bq * S * 4, 2 * bq * S * 4 + bq * D * 4};

  std::vector<sim::Program> progs(std::min<uint32_t>(cfg.cores, s.heads));
  const uint32_t per_core = static_cast<uint32_t>(sim::ceil_div(s.heads, progs.size()));
  for (uint32_t core = 0; core < progs.size(); ++core) {
    sim::Program& p = progs[core];
    int blk = 0;
    const uint32_t h_lo = core * per_core, h_hi = std::min(s.heads, h_lo + per_core);
    for (uint32_t h = h_lo; h < h_hi; ++h) {
      const int hs = (h - h_lo) % 2;
      const uint64_t col = uint64_t{h} * D * e;
      const uint32_t s32 = s.seq, d32 = s.head_dim;
      const sim::TileRef kt = sim::tile(Space::Spm, ks[hs], s32, d32, DType::BF16);
      const sim::TileRef vt = sim::tile(Space::Spm, vs[hs], s32, d32, DType::BF16);
      p.push(sim::dma_load(kt, sim::tile(Space::Dram, s.k_addr + col, s32, d32, DType::BF16, ldk)));
      p.push(sim::dma_load(vt, sim::tile(Space::Dram, s.v_addr + col, s32, d32, DType::BF16, ldv)));
      for (uint64_t q0 = 0; q0 < S; q0 += bq, blk ^= 1) {
        const uint32_t n = static_cast<uint32_t>(std::min(bq, S - q0));
        const sim::TileRef q = sim::tile(Space::Spm, qs[blk], n, d32, DType::BF16);
        const sim::TileRef sco = sim::tile(Space::Acc, sc[blk], n, s32, DType::F32);
        const sim::TileRef pt = sim::tile(Space::Spm, ps[blk], n, s32, DType::BF16);
        const sim::TileRef oacc = sim::tile(Space::Acc, oa[blk], n, d32, DType::F32);
        const sim::TileRef ot = sim::tile(Space::Spm, os[blk], n, d32, DType::BF16);
        const sim::TileRef ca = sim::tile(Space::Spm, col_a + 0, n, 1, DType::F32);
        const sim::TileRef cb = sim::tile(Space::Spm, col_b + 0, n, 1, DType::F32);
        p.push(sim::dma_load(
            q, sim::tile(Space::Dram, s.q_addr + q0 * ldq * e + col, n, d32, DType::BF16, ldq)));
        emit_onchip_matmul(cfg, p, sco, q, kt, /*transpose_b=*/true, false);
        p.push(sim::vector_unary(VecOp::MulImm, sco, sco, scale));
        if (s.causal)
          p.push(sim::vector_unary(VecOp::CausalMask, sco, sco, static_cast<float>(q0)));
        p.push(sim::vector_unary(VecOp::RowMax, ca, sco));
        p.push(sim::vector_binary(VecOp::Sub, sco, sco, ca, sim::Bcast::Col));
        p.push(sim::vector_unary(VecOp::Exp, sco, sco));
        p.push(sim::vector_unary(VecOp::RowSum, cb, sco));
        p.push(sim::vector_unary(VecOp::Recip, cb, cb));
        p.push(sim::vector_binary(VecOp::Mul, pt, sco, cb, sim::Bcast::Col));
        emit_onchip_matmul(cfg, p, oacc, pt, vt, false, false);
        p.push(sim::vector_unary(VecOp::Copy, ot, oacc));
        p.push(sim::dma_store(
            sim::tile(Space::Dram, s.out_addr + q0 * ldo * e + col, n, d32, DType::BF16, ldo), ot));
      }
    }
  }
  return progs;
}

}  // namespace nuri::npu
