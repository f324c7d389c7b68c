#include "devices/npu/codegen_vector.h"

#include <fmt/format.h>

#include <algorithm>

#include "nuri/error.hpp"
#include "simulator/npu/timing.h"

namespace nuri::npu {

using sim::DType;
using sim::Space;
using sim::VecOp;

namespace {
uint64_t align64(uint64_t x) {
  return (x + 63) / 64 * 64;
}
}  // namespace

std::vector<sim::Program> emit_unary(const sim::NpuConfig& cfg, UnaryKind kind, uint32_t rows,
                                     uint32_t cols, uint64_t x_addr, uint64_t out_addr) {
  if (rows == 0 || cols == 0) throw Error("npu unary: rows and cols must be > 0");
  // spm per row: x (bf16, 2 buffers), out (bf16, 2 buffers), f32 work.
  const uint64_t per_row = 2 * 2 * cols + 2 * 2 * cols + 4 * uint64_t{cols};
  const uint64_t budget = cfg.spm.size_bytes - 4 * 64;
  if (per_row > budget)
    throw Error(
        fmt::format("npu unary: a row of {} elements does not fit npu.spm.size_bytes", cols));
  const uint64_t per_core = sim::ceil_div(rows, cfg.cores);
  const uint64_t br = std::max<uint64_t>(1, std::min<uint64_t>(per_core, budget / per_row));
  const uint64_t xb = align64(br * cols * 2);
  const uint64_t xs[2] = {0, xb}, os[2] = {2 * xb, 3 * xb}, work = 4 * xb;
  std::vector<sim::Program> progs(cfg.cores);
  for (uint32_t core = 0; core < cfg.cores; ++core) {
    const uint64_t lo = core * per_core, hi = std::min<uint64_t>(rows, lo + per_core);
    int slot = 0;
    for (uint64_t r0 = lo; r0 < hi; r0 += br, slot ^= 1) {
      const uint32_t n = static_cast<uint32_t>(std::min(br, hi - r0));
      sim::Program& p = progs[core];
      const sim::TileRef x = sim::tile(Space::Spm, xs[slot], n, cols, DType::BF16);
      const sim::TileRef o = sim::tile(Space::Spm, os[slot], n, cols, DType::BF16);
      const sim::TileRef w = sim::tile(Space::Spm, work, n, cols, DType::F32);
      p.push(
          sim::dma_load(x, sim::tile(Space::Dram, x_addr + r0 * cols * 2, n, cols, DType::BF16)));
      if (kind == UnaryKind::Relu) {
        p.push(sim::vector_unary(VecOp::Relu, o, x));
      } else {  // x * 1 / (1 + exp(-x))
        p.push(sim::vector_unary(VecOp::MulImm, w, x, -1.0f));
        p.push(sim::vector_unary(VecOp::Exp, w, w));
        p.push(sim::vector_unary(VecOp::AddImm, w, w, 1.0f));
        p.push(sim::vector_unary(VecOp::Recip, w, w));
        p.push(sim::vector_binary(VecOp::Mul, o, x, w));
      }
      p.push(sim::dma_store(sim::tile(Space::Dram, out_addr + r0 * cols * 2, n, cols, DType::BF16),
                            o));
    }
  }
  while (!progs.empty() && progs.back().instrs.empty()) progs.pop_back();
  return progs;
}

std::vector<sim::Program> emit_rotary(const sim::NpuConfig& cfg, const RotarySpec& s) {
  if (s.seq == 0 || s.heads == 0 || s.head_dim == 0 || s.head_dim % 2 != 0)
    throw Error("npu rotary: seq, heads must be > 0 and head_dim even");
  const uint32_t S = s.seq, half = s.head_dim / 2;
  const uint64_t tf = align64(uint64_t{S} * half * 4), tb = align64(uint64_t{S} * half * 2);
  // cos, sin, two f32 work tiles; per head parity: x1, x2, o1, o2 (bf16).
  const uint64_t need = 4 * tf + 2 * 4 * tb;
  if (need > cfg.spm.size_bytes)
    throw Error(fmt::format("npu rotary: seq {} x head_dim {} does not fit npu.spm.size_bytes", S,
                            s.head_dim));
  const uint64_t cosa = 0, sina = tf, wa = 2 * tf, wb = 3 * tf, base = 4 * tf;
  std::vector<sim::Program> progs(std::min<uint32_t>(cfg.cores, s.heads));
  const uint32_t per_core = static_cast<uint32_t>(sim::ceil_div(s.heads, progs.size()));
  const auto ft = [&](uint64_t a) { return sim::tile(Space::Spm, a, S, half, DType::F32); };
  const auto bt = [&](uint64_t a) { return sim::tile(Space::Spm, a, S, half, DType::BF16); };
  for (uint32_t core = 0; core < progs.size(); ++core) {
    sim::Program& p = progs[core];
    const uint32_t lo = core * per_core, hi = std::min(s.heads, lo + per_core);
    if (lo >= hi) continue;
    p.push(sim::dma_load(ft(cosa), sim::tile(Space::Dram, s.cos_addr, S, half, DType::F32)));
    p.push(sim::dma_load(ft(sina), sim::tile(Space::Dram, s.sin_addr, S, half, DType::F32)));
    for (uint32_t h = lo; h < hi; ++h) {
      const uint64_t b0 = base + ((h - lo) % 2) * 4 * tb;
      const sim::TileRef x1 = bt(b0), x2 = bt(b0 + tb), o1 = bt(b0 + 2 * tb), o2 = bt(b0 + 3 * tb);
      const uint64_t col = uint64_t{h} * s.head_dim * 2, hb = uint64_t{half} * 2;
      p.push(
          sim::dma_load(x1, sim::tile(Space::Dram, s.x_addr + col, S, half, DType::BF16, s.ldx)));
      p.push(sim::dma_load(
          x2, sim::tile(Space::Dram, s.x_addr + col + hb, S, half, DType::BF16, s.ldx)));
      p.push(sim::vector_binary(VecOp::Mul, ft(wa), x1, ft(cosa)));
      p.push(sim::vector_binary(VecOp::Mul, ft(wb), x2, ft(sina)));
      p.push(sim::vector_binary(VecOp::Sub, o1, ft(wa), ft(wb)));
      p.push(sim::vector_binary(VecOp::Mul, ft(wa), x2, ft(cosa)));
      p.push(sim::vector_binary(VecOp::Mul, ft(wb), x1, ft(sina)));
      p.push(sim::vector_binary(VecOp::Add, o2, ft(wa), ft(wb)));
      p.push(sim::dma_store(sim::tile(Space::Dram, s.out_addr + col, S, half, DType::BF16, s.ldo),
                            o1));
      p.push(sim::dma_store(
          sim::tile(Space::Dram, s.out_addr + col + hb, S, half, DType::BF16, s.ldo), o2));
    }
  }
  return progs;
}

}  // namespace nuri::npu
