#include "devices/npu/tiling/row_ops.h"

#include <algorithm>

#include <fmt/format.h>

#include "nuri/error.hpp"
#include "simulator/npu/timing.h"

namespace nuri::npu {

using sim::DType;
using sim::Space;
using sim::VecOp;

std::vector<sim::Program> emit_row_op(const sim::NpuConfig& cfg, const RowOpSpec& s) {
  if (s.rows == 0 || s.cols == 0) throw Error("npu row op: rows and cols must be > 0");
  if (s.dtype != DType::BF16 && s.dtype != DType::F32)
    throw Error("npu row op dtype: must be bf16 or f32");
  const uint64_t e = sim::dtype_size(s.dtype), ld = s.ld ? s.ld : s.cols;
  if (ld < s.cols) throw Error("npu row op ld: smaller than cols");
  const bool binary = s.op == RowOp::Add || s.op == RowOp::Mul;
  const bool norm = s.op == RowOp::LayerNorm || s.op == RowOp::RmsNorm;
  const uint64_t rows_per_core = sim::ceil_div(s.rows, cfg.cores);
  // spm per block row: x[2], y[2], out[2] in dtype, work + square in f32, two f32 columns.
  const uint64_t per_row = s.cols * e * (binary ? 6 : 4) + s.cols * 8 + 8;
  const uint64_t fixed = norm ? 2ull * s.cols * 4 : 0;
  uint64_t br = 1;
  while (br * 2 <= rows_per_core && fixed + br * 2 * per_row <= cfg.spm.size_bytes) br *= 2;
  if (rows_per_core < br * 2 && fixed + rows_per_core * per_row <= cfg.spm.size_bytes)
    br = rows_per_core;
  if (fixed + br * per_row > cfg.spm.size_bytes)
    throw Error(
        fmt::format("npu row op: one row of {} elements does not fit npu.spm.size_bytes", s.cols));
  const uint64_t blk = br * s.cols;
  uint64_t at = 0;
  auto alloc = [&](uint64_t bytes) {
    uint64_t a = at;
    at += (bytes + 63) / 64 * 64;
    return a;
  };
  const uint64_t gamma = norm ? alloc(s.cols * 4) : 0, beta = norm ? alloc(s.cols * 4) : 0;
  const uint64_t xs[2] = {alloc(blk * e), alloc(blk * e)};
  const uint64_t ys[2] = {binary ? alloc(blk * e) : 0, binary ? alloc(blk * e) : 0};
  const uint64_t os[2] = {alloc(blk * e), alloc(blk * e)};
  const uint64_t work = alloc(blk * 4), sq = alloc(blk * 4), col_a = alloc(br * 4),
                 col_b = alloc(br * 4);

  std::vector<sim::Program> progs(cfg.cores);
  const uint32_t C = s.cols;
  for (uint32_t core = 0; core < cfg.cores; ++core) {
    const uint64_t r_lo = core * rows_per_core,
                   r_hi = std::min<uint64_t>(s.rows, r_lo + rows_per_core);
    if (r_lo >= r_hi) continue;
    sim::Program& p = progs[core];
    if (norm) {
      p.push(sim::dma_load(sim::tile(Space::Spm, gamma, 1, C, DType::F32),
                           sim::tile(Space::Dram, s.gamma_addr, 1, C, DType::F32)));
      if (s.op == RowOp::LayerNorm)
        p.push(sim::dma_load(sim::tile(Space::Spm, beta, 1, C, DType::F32),
                             sim::tile(Space::Dram, s.beta_addr, 1, C, DType::F32)));
    }
    int slot = 0;
    for (uint64_t r0 = r_lo; r0 < r_hi; r0 += br, slot ^= 1) {
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(br, r_hi - r0));
      auto dram = [&](uint64_t base) {
        return sim::tile(Space::Dram, base + r0 * ld * e, n, C, s.dtype, ld);
      };
      const sim::TileRef x = sim::tile(Space::Spm, xs[slot], n, C, s.dtype);
      const sim::TileRef y = sim::tile(Space::Spm, ys[slot], n, C, s.dtype);
      const sim::TileRef out = sim::tile(Space::Spm, os[slot], n, C, s.dtype);
      const sim::TileRef w = sim::tile(Space::Spm, work, n, C, DType::F32);
      const sim::TileRef q = sim::tile(Space::Spm, sq, n, C, DType::F32);
      const sim::TileRef ca = sim::tile(Space::Spm, col_a, n, 1, DType::F32);
      const sim::TileRef g = sim::tile(Space::Spm, gamma, 1, C, DType::F32);
      const sim::TileRef b = sim::tile(Space::Spm, beta, 1, C, DType::F32);
      p.push(sim::dma_load(x, dram(s.x_addr)));
      if (binary) p.push(sim::dma_load(y, dram(s.y_addr)));
      const float inv_n = 1.0f / static_cast<float>(C);
      switch (s.op) {
        case RowOp::Softmax:
          p.push(sim::vector_unary(VecOp::RowMax, ca, x));
          p.push(sim::vector_binary(VecOp::Sub, w, x, ca, sim::Bcast::Col));
          p.push(sim::vector_unary(VecOp::Exp, w, w));
          p.push(sim::vector_unary(VecOp::RowSum, ca, w));
          p.push(sim::vector_unary(VecOp::Recip, ca, ca));
          p.push(sim::vector_binary(VecOp::Mul, out, w, ca, sim::Bcast::Col));
          break;
        case RowOp::LayerNorm:
        case RowOp::RmsNorm: {
          const sim::TileRef cb = sim::tile(Space::Spm, col_b, n, 1, DType::F32);
          const bool ln = s.op == RowOp::LayerNorm;
          if (ln) {
            p.push(sim::vector_unary(VecOp::RowSum, ca, x));
            p.push(sim::vector_unary(VecOp::MulImm, ca, ca, inv_n));
            p.push(sim::vector_binary(VecOp::Sub, w, x, ca, sim::Bcast::Col));
          } else {
            p.push(sim::vector_unary(VecOp::Copy, w, x));
          }
          p.push(sim::vector_binary(VecOp::Mul, q, w, w));
          p.push(sim::vector_unary(VecOp::RowSum, cb, q));
          p.push(sim::vector_unary(VecOp::MulImm, cb, cb, inv_n));
          p.push(sim::vector_unary(VecOp::AddImm, cb, cb, s.eps));
          p.push(sim::vector_unary(VecOp::Rsqrt, cb, cb));
          p.push(sim::vector_binary(VecOp::Mul, w, w, cb, sim::Bcast::Col));
          if (ln) {
            p.push(sim::vector_binary(VecOp::Mul, w, w, g, sim::Bcast::Row));
            p.push(sim::vector_binary(VecOp::Add, out, w, b, sim::Bcast::Row));
          } else {
            p.push(sim::vector_binary(VecOp::Mul, out, w, g, sim::Bcast::Row));
          }
          break;
        }
        case RowOp::Gelu:
          p.push(sim::vector_unary(VecOp::Gelu, out, x));
          break;
        case RowOp::Add:
          p.push(sim::vector_binary(VecOp::Add, out, x, y));
          break;
        case RowOp::Mul:
          p.push(sim::vector_binary(VecOp::Mul, out, x, y));
          break;
      }
      p.push(sim::dma_store(dram(s.out_addr), out));
    }
  }
  return progs;
}

}  // namespace nuri::npu
