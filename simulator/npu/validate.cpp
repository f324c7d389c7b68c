#include "simulator/npu/validate.h"

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

namespace {

uint64_t space_size(const NpuConfig& c, Space s) {
  switch (s) {
    case Space::Dram:
      return c.memory.capacity_bytes;
    case Space::Spm:
      return c.spm.size_bytes;
    case Space::Acc:
      return c.acc.size_bytes;
  }
  return 0;
}

void check_tile(const NpuConfig& c, const TileRef& t, const std::string& where, const char* what) {
  auto fail = [&](const std::string& why) {
    throw Error(fmt::format("{}: {} tile {}", where, what, why));
  };
  if (t.rows == 0 || t.cols == 0) fail("has zero rows or columns");
  if (t.row_stride() < t.cols) fail("has a stride smaller than its columns");
  if (t.addr % dtype_size(t.dtype) != 0)
    fail(fmt::format("address {:#x} is not aligned to {}", t.addr, dtype_name(t.dtype)));
  uint64_t size = space_size(c, t.space);
  if (t.addr > size || t.extent_bytes() > size - t.addr)
    fail(fmt::format("[{:#x}, +{}) exceeds {} size {} bytes", t.addr, t.extent_bytes(),
                     space_name(t.space), size));
}

void check_local(const TileRef& t, const std::string& where, const char* what) {
  if (t.space == Space::Dram)
    throw Error(fmt::format("{}: {} tile must be in spm or acc, not dram", where, what));
}

void check_same_shape(const TileRef& a, const TileRef& b, const std::string& where) {
  if (a.rows != b.rows || a.cols != b.cols)
    throw Error(
        fmt::format("{}: shape mismatch {}x{} vs {}x{}", where, a.rows, a.cols, b.rows, b.cols));
}

}  // namespace

void validate_instr(const NpuConfig& c, const Instr& i, const std::string& where) {
  switch (i.op) {
    case Opcode::Fence:
    case Opcode::Barrier:
      return;
    case Opcode::DmaLoad:
    case Opcode::DmaStore: {
      check_tile(c, i.dst, where, "destination");
      check_tile(c, i.src0, where, "source");
      const TileRef& off = i.op == Opcode::DmaLoad ? i.src0 : i.dst;
      const TileRef& on = i.op == Opcode::DmaLoad ? i.dst : i.src0;
      if (off.space != Space::Dram) throw Error(where + ": DMA off-chip side must be dram");
      check_local(on, where, "DMA on-chip");
      check_same_shape(i.dst, i.src0, where);
      if (i.dst.dtype != i.src0.dtype) throw Error(where + ": DMA does not convert dtypes");
      return;
    }
    case Opcode::MatMul: {
      const TileRef &cc = i.dst, &a = i.src0, &b = i.src1;
      check_tile(c, a, where, "A");
      check_tile(c, b, where, "B");
      check_tile(c, cc, where, "C");
      if (a.space != Space::Spm || b.space != Space::Spm)
        throw Error(where + ": matmul operands A and B must be in spm");
      if (cc.space != Space::Acc) throw Error(where + ": matmul output C must be in acc");
      if (a.dtype != b.dtype) throw Error(where + ": matmul A and B dtypes differ");
      if (!c.supports(a.dtype))
        throw Error(
            fmt::format("{}: this NPU ({}) has no {} matmul", where, c.name, dtype_name(a.dtype)));
      if (cc.dtype != accum_dtype(a.dtype))
        throw Error(fmt::format("{}: C must be {} for {} operands", where,
                                dtype_name(accum_dtype(a.dtype)), dtype_name(a.dtype)));
      uint32_t m = a.rows, k = a.cols;
      uint32_t bk = i.transpose_b ? b.cols : b.rows, n = i.transpose_b ? b.rows : b.cols;
      if (bk != k || cc.rows != m || cc.cols != n)
        throw Error(fmt::format("{}: matmul shapes A {}x{}, B {}x{}{}, C {}x{} disagree", where,
                                a.rows, a.cols, b.rows, b.cols, i.transpose_b ? "^T" : "", cc.rows,
                                cc.cols));
      // The stationary tile's extents over rows and columns (README.md "Timing formulas").
      const Dataflow df = c.array.dataflow;
      const bool os = df == Dataflow::OutputStationary, is = df == Dataflow::InputStationary;
      const uint32_t on_rows = os ? m : k, on_cols = is ? m : n;
      if (on_rows > c.array.rows || on_cols > c.array.cols)
        throw Error(fmt::format("{}: {} matmul tile ({} = {}, {} = {}) exceeds the {}x{} array",
                                where, dataflow_name(df), os ? "M" : "K", on_rows, is ? "M" : "N",
                                on_cols, c.array.rows, c.array.cols));
      return;
    }
    case Opcode::Vector: {
      check_tile(c, i.dst, where, "vector dst");
      check_tile(c, i.src0, where, "vector src");
      check_local(i.dst, where, "vector dst");
      check_local(i.src0, where, "vector src");
      VecOp op = i.vop;
      if (static_cast<size_t>(op) >= kVecOpCount) throw Error(where + ": unknown vector op");
      if (is_reduction(op)) {
        if (i.dst.rows != i.src0.rows || i.dst.cols != 1)
          throw Error(where + ": row reduction output must be [rows x 1]");
        return;
      }
      check_same_shape(i.dst, i.src0, where);
      bool binary = op == VecOp::Add || op == VecOp::Sub || op == VecOp::Mul || op == VecOp::Max;
      if (!binary) return;
      check_tile(c, i.src1, where, "vector src1");
      check_local(i.src1, where, "vector src1");
      uint32_t r = i.src1.rows, cols = i.src1.cols;
      bool ok = (i.bcast == Bcast::None && r == i.src0.rows && cols == i.src0.cols) ||
                (i.bcast == Bcast::Row && r == 1 && cols == i.src0.cols) ||
                (i.bcast == Bcast::Col && r == i.src0.rows && cols == 1);
      if (!ok) throw Error(where + ": vector src1 shape does not match its broadcast");
      return;
    }
  }
  throw Error(where + ": unknown opcode");
}

}  // namespace nuri::sim::npu
