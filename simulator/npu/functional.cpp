#include "simulator/npu/functional.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/cpu/half.h"
#include "nuri/error.hpp"

namespace nuri::sim::npu {

void load_row(const uint8_t* src, DType t, uint32_t n, float* out) {
  switch (t) {
    case DType::F32:
      std::memcpy(out, src, n * 4ull);
      return;
    case DType::BF16: {
      uint16_t tmp[256];
      for (uint32_t i = 0; i < n; i += 256) {
        uint32_t m = std::min<uint32_t>(256, n - i);
        std::memcpy(tmp, src + 2ull * i, 2ull * m);
        kernels::bf16_to_f32(tmp, out + i, m);
      }
      return;
    }
    case DType::I8:
      for (uint32_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(src[i]);
      return;
    case DType::I32:
      for (uint32_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, src + 4ull * i, 4);
        out[i] = static_cast<float>(v);
      }
      return;
  }
}

void store_row(const float* src, DType t, uint32_t n, uint8_t* out) {
  switch (t) {
    case DType::F32:
      std::memcpy(out, src, n * 4ull);
      return;
    case DType::BF16: {
      uint16_t tmp[256];
      for (uint32_t i = 0; i < n; i += 256) {
        uint32_t m = std::min<uint32_t>(256, n - i);
        kernels::f32_to_bf16(src + i, tmp, m);
        std::memcpy(out + 2ull * i, tmp, 2ull * m);
      }
      return;
    }
    case DType::I8:
      for (uint32_t i = 0; i < n; ++i) {
        float v = std::nearbyint(src[i]);
        v = std::isnan(v) ? 0.f : std::clamp(v, -128.f, 127.f);
        out[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
      }
      return;
    case DType::I32:
      for (uint32_t i = 0; i < n; ++i) {
        double v = std::nearbyint(static_cast<double>(src[i]));
        v = std::isnan(v) ? 0.0 : std::clamp(v, -2147483648.0, 2147483647.0);
        int32_t w = static_cast<int32_t>(v);
        std::memcpy(out + 4ull * i, &w, 4);
      }
      return;
  }
}

FunctionalModel::FunctionalModel(const NpuConfig& c) : cfg_(c), spm_(c.cores), acc_(c.cores) {}

void FunctionalModel::write_dram(uint64_t addr, const void* src, uint64_t bytes) {
  if (addr + bytes > cfg_.memory.capacity_bytes || addr + bytes < addr)
    throw Error("npu dram write beyond the configured capacity");
  if (bytes == 0) return;  // an empty tensor may come without data (src null)
  if (dram_.size() < addr + bytes) dram_.resize(addr + bytes, 0);
  std::memcpy(dram_.data() + addr, src, bytes);
}

void FunctionalModel::read_dram(uint64_t addr, void* dst, uint64_t bytes) {
  if (addr + bytes > cfg_.memory.capacity_bytes || addr + bytes < addr)
    throw Error("npu dram read beyond the configured capacity");
  if (bytes == 0) return;
  if (dram_.size() < addr + bytes) dram_.resize(addr + bytes, 0);
  std::memcpy(dst, dram_.data() + addr, bytes);
}

uint8_t* FunctionalModel::local(uint32_t core, Space s, uint64_t addr, uint64_t bytes) {
  if (core >= cfg_.cores) throw Error("npu: core index out of range");
  if (s == Space::Dram) {
    if (addr + bytes > cfg_.memory.capacity_bytes) throw Error("npu dram access out of range");
    if (dram_.size() < addr + bytes) dram_.resize(addr + bytes, 0);
    return dram_.data() + addr;
  }
  auto& v = s == Space::Spm ? spm_[core] : acc_[core];
  uint64_t size = s == Space::Spm ? cfg_.spm.size_bytes : cfg_.acc.size_bytes;
  if (addr + bytes > size) throw Error("npu scratchpad access out of range");
  if (v.empty()) v.assign(size, 0);  // allocated on first use only
  return v.data() + addr;
}

uint8_t* FunctionalModel::ptr(uint32_t core, const TileRef& t) {
  return local(core, t.space, t.addr, t.extent_bytes());
}

void FunctionalModel::execute(uint32_t core, const Instr& i) {
  switch (i.op) {
    case Opcode::DmaLoad:
    case Opcode::DmaStore:
      dma(core, i);
      return;
    case Opcode::MatMul:
      matmul(core, i);
      return;
    case Opcode::Vector:
      vector(core, i);
      return;
    default:
      return;
  }
}

void FunctionalModel::dma(uint32_t core, const Instr& i) {
  const TileRef &d = i.dst, &s = i.src0;
  uint8_t* dp = ptr(core, d);
  const uint8_t* sp = ptr(core, s);
  uint64_t es = dtype_size(d.dtype), row = uint64_t{d.cols} * es;
  for (uint32_t r = 0; r < d.rows; ++r)
    std::memmove(dp + r * d.row_stride() * es, sp + r * s.row_stride() * es, row);
}

void FunctionalModel::matmul(uint32_t core, const Instr& i) {
  const TileRef &a = i.src0, &b = i.src1, &c = i.dst;
  const uint32_t m = a.rows, k = a.cols, n = c.cols;
  const uint8_t* ap = ptr(core, a);
  const uint8_t* bp = ptr(core, b);
  uint8_t* cp = ptr(core, c);
  const uint64_t ea = dtype_size(a.dtype);
  if (a.dtype == DType::BF16) {
    // B as f32 [k x n]; the bf16 x bf16 product is exact in f32, the sum rounds in f32.
    fb_.resize(uint64_t{k} * n);
    if (!i.transpose_b) {
      for (uint32_t kk = 0; kk < k; ++kk)
        load_row(bp + kk * b.row_stride() * ea, DType::BF16, n, &fb_[uint64_t{kk} * n]);
    } else {
      fd_.resize(k);
      for (uint32_t j = 0; j < n; ++j) {
        load_row(bp + j * b.row_stride() * ea, DType::BF16, k, fd_.data());
        for (uint32_t kk = 0; kk < k; ++kk) fb_[uint64_t{kk} * n + j] = fd_[kk];
      }
    }
    // Rows in blocks of four share each B row load (the host's speed, not the model's): every
    // element still sums its products from zero in k order, then adds to the accumulator.
    constexpr uint32_t kRows = 4;
    fa_.resize(uint64_t{kRows} * k);
    fc_.resize(uint64_t{kRows} * n);
    fd_.resize(n);
    for (uint32_t r0 = 0; r0 < m; r0 += kRows) {
      const uint32_t rows = std::min(kRows, m - r0);
      for (uint32_t r = 0; r < rows; ++r)
        load_row(ap + (r0 + r) * a.row_stride() * ea, DType::BF16, k, &fa_[uint64_t{r} * k]);
      std::fill(fc_.begin(), fc_.end(), 0.f);
      uint32_t j_full = 0;
      if (rows == kRows) {
        // 4 x 8 sums stay in registers across all of k; B is read once per block.
        using V4 = float __attribute__((vector_size(16)));
        constexpr uint32_t kCols = 8;
        j_full = n / kCols * kCols;
        for (uint32_t j0 = 0; j0 < j_full; j0 += kCols) {
          V4 acc[kRows][2] = {};
          for (uint32_t kk = 0; kk < k; ++kk) {
            V4 b0, b1;
            std::memcpy(&b0, &fb_[uint64_t{kk} * n + j0], sizeof b0);
            std::memcpy(&b1, &fb_[uint64_t{kk} * n + j0 + 4], sizeof b1);
            for (uint32_t r = 0; r < kRows; ++r) {
              const float av = fa_[uint64_t{r} * k + kk];
              acc[r][0] += av * b0;
              acc[r][1] += av * b1;
            }
          }
          for (uint32_t r = 0; r < kRows; ++r)
            std::memcpy(&fc_[uint64_t{r} * n + j0], acc[r], sizeof acc[r]);
        }
      }
      // The remaining rows / columns one row at a time.
      if (j_full < n) {
        for (uint32_t r = 0; r < rows; ++r)
          for (uint32_t kk = 0; kk < k; ++kk) {
            const float av = fa_[uint64_t{r} * k + kk];
            const float* brow = &fb_[uint64_t{kk} * n];
            float* psum = &fc_[uint64_t{r} * n];
            for (uint32_t j = j_full; j < n; ++j) psum[j] += av * brow[j];
          }
      }
      for (uint32_t r = 0; r < rows; ++r) {
        float* psum = &fc_[uint64_t{r} * n];
        uint8_t* crow = cp + (r0 + r) * c.row_stride() * 4;
        if (i.accumulate) {
          std::memcpy(fd_.data(), crow, n * 4ull);
          for (uint32_t j = 0; j < n; ++j) psum[j] = fd_[j] + psum[j];
        }
        std::memcpy(crow, psum, n * 4ull);
      }
    }
    return;
  }
  // int8 x int8 -> int32, exact (wraps only past 2^31, as 32-bit hardware accumulators do).
  ib_.resize(uint64_t{k} * n);
  for (uint32_t kk = 0; kk < k; ++kk)
    for (uint32_t j = 0; j < n; ++j) {
      const uint8_t* e =
          i.transpose_b ? bp + j * b.row_stride() + kk : bp + kk * b.row_stride() + j;
      ib_[uint64_t{kk} * n + j] = static_cast<int8_t>(*e);
    }
  ia_.resize(k);
  ic_.resize(n);
  for (uint32_t r = 0; r < m; ++r) {
    for (uint32_t kk = 0; kk < k; ++kk) ia_[kk] = static_cast<int8_t>(ap[r * a.row_stride() + kk]);
    std::fill(ic_.begin(), ic_.end(), 0);
    for (uint32_t kk = 0; kk < k; ++kk) {
      const uint32_t av = static_cast<uint32_t>(ia_[kk]);
      const int32_t* brow = &ib_[uint64_t{kk} * n];
      for (uint32_t j = 0; j < n; ++j)
        ic_[j] = static_cast<int32_t>(static_cast<uint32_t>(ic_[j]) +
                                      av * static_cast<uint32_t>(brow[j]));
    }
    uint8_t* crow = cp + r * c.row_stride() * 4;
    for (uint32_t j = 0; j < n; ++j) {
      int32_t old = 0;
      if (i.accumulate) std::memcpy(&old, crow + 4ull * j, 4);
      int32_t v = static_cast<int32_t>(static_cast<uint32_t>(old) + static_cast<uint32_t>(ic_[j]));
      std::memcpy(crow + 4ull * j, &v, 4);
    }
  }
}

namespace {

float gelu_tanh(float x) {
  // GELU, tanh form (Hendrycks & Gimpel 2016), as GPT-2 uses.
  const float k = 0.7978845608028654f;  // sqrt(2 / pi)
  return 0.5f * x * (1.f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

}  // namespace

void FunctionalModel::vector(uint32_t core, const Instr& i) {
  const TileRef &d = i.dst, &s = i.src0, &s1 = i.src1;
  const uint32_t rows = s.rows, cols = s.cols;
  uint8_t* dp = ptr(core, d);
  const uint8_t* sp = ptr(core, s);
  const uint64_t es = dtype_size(s.dtype), ed = dtype_size(d.dtype);
  fa_.resize(cols);
  fb_.resize(cols);
  const VecOp op = i.vop;
  const bool binary = op == VecOp::Add || op == VecOp::Sub || op == VecOp::Mul || op == VecOp::Max;
  const uint8_t* s1p = binary ? ptr(core, s1) : nullptr;
  const uint64_t e1 = binary ? dtype_size(s1.dtype) : 0;
  if (binary && i.bcast == Bcast::Row) load_row(s1p, s1.dtype, cols, fb_.data());
  for (uint32_t r = 0; r < rows; ++r) {
    float* x = fa_.data();
    load_row(sp + r * s.row_stride() * es, s.dtype, cols, x);
    if (is_reduction(op)) {
      float acc = op == VecOp::RowMax ? -std::numeric_limits<float>::infinity() : 0.f;
      for (uint32_t j = 0; j < cols; ++j)
        acc = op == VecOp::RowMax ? std::max(acc, x[j]) : acc + x[j];
      store_row(&acc, d.dtype, 1, dp + r * d.row_stride() * ed);
      continue;
    }
    if (binary) {
      float* y = fb_.data();
      if (i.bcast == Bcast::None) load_row(s1p + r * s1.row_stride() * e1, s1.dtype, cols, y);
      float col = 0;
      if (i.bcast == Bcast::Col) load_row(s1p + r * s1.row_stride() * e1, s1.dtype, 1, &col);
      for (uint32_t j = 0; j < cols; ++j) {
        float b = i.bcast == Bcast::Col ? col : y[j];
        switch (op) {
          case VecOp::Add:
            x[j] = x[j] + b;
            break;
          case VecOp::Sub:
            x[j] = x[j] - b;
            break;
          case VecOp::Mul:
            x[j] = x[j] * b;
            break;
          default:
            x[j] = std::max(x[j], b);
            break;
        }
      }
    } else {
      const float imm = i.imm;
      switch (op) {
        case VecOp::AddImm:
          for (uint32_t j = 0; j < cols; ++j) x[j] += imm;
          break;
        case VecOp::MulImm:
          for (uint32_t j = 0; j < cols; ++j) x[j] *= imm;
          break;
        case VecOp::Exp:
          for (uint32_t j = 0; j < cols; ++j) x[j] = std::exp(x[j]);
          break;
        case VecOp::Recip:
          for (uint32_t j = 0; j < cols; ++j) x[j] = 1.f / x[j];
          break;
        case VecOp::Rsqrt:
          for (uint32_t j = 0; j < cols; ++j) x[j] = 1.f / std::sqrt(x[j]);
          break;
        case VecOp::Gelu:
          for (uint32_t j = 0; j < cols; ++j) x[j] = gelu_tanh(x[j]);
          break;
        case VecOp::Relu:
          for (uint32_t j = 0; j < cols; ++j) x[j] = std::max(x[j], 0.f);
          break;
        case VecOp::CausalMask: {
          int64_t limit = static_cast<int64_t>(r) + static_cast<int64_t>(std::lround(imm));
          for (uint32_t j = 0; j < cols; ++j)
            if (static_cast<int64_t>(j) > limit) x[j] = -std::numeric_limits<float>::infinity();
          break;
        }
        default:
          break;  // Copy: conversion happens in store_row
      }
    }
    store_row(x, d.dtype, cols, dp + r * d.row_stride() * ed);
  }
}

}  // namespace nuri::sim::npu
