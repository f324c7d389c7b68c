#include "simulator/npu/isa.h"

#include <fmt/format.h>

namespace nuri::sim::npu {

const char* space_name(Space s) {
  switch (s) {
    case Space::Dram:
      return "dram";
    case Space::Spm:
      return "spm";
    case Space::Acc:
      return "acc";
  }
  return "?";
}

const char* opcode_name(Opcode op) {
  switch (op) {
    case Opcode::DmaLoad:
      return "dma_load";
    case Opcode::DmaStore:
      return "dma_store";
    case Opcode::MatMul:
      return "matmul";
    case Opcode::Vector:
      return "vector";
    case Opcode::Fence:
      return "fence";
    case Opcode::Barrier:
      return "barrier";
  }
  return "?";
}

TileRef TileRef::sub(uint32_t r, uint32_t c, uint32_t nrows, uint32_t ncols) const {
  TileRef t = *this;
  t.addr = addr + (r * row_stride() + c) * dtype_size(dtype);
  t.rows = nrows;
  t.cols = ncols;
  t.stride = row_stride();
  return t;
}

TileRef tile(Space s, uint64_t addr, uint32_t rows, uint32_t cols, DType t, uint64_t stride) {
  TileRef r;
  r.space = s;
  r.addr = addr;
  r.rows = rows;
  r.cols = cols;
  r.stride = stride == 0 ? cols : stride;
  r.dtype = t;
  return r;
}

Instr dma_load(const TileRef& dst, const TileRef& src) {
  Instr i;
  i.op = Opcode::DmaLoad;
  i.dst = dst;
  i.src0 = src;
  return i;
}

Instr dma_store(const TileRef& dst, const TileRef& src) {
  Instr i;
  i.op = Opcode::DmaStore;
  i.dst = dst;
  i.src0 = src;
  return i;
}

Instr matmul(const TileRef& c, const TileRef& a, const TileRef& b, bool accumulate,
             bool transpose_b) {
  Instr i;
  i.op = Opcode::MatMul;
  i.dst = c;
  i.src0 = a;
  i.src1 = b;
  i.accumulate = accumulate;
  i.transpose_b = transpose_b;
  return i;
}

Instr vector_unary(VecOp op, const TileRef& dst, const TileRef& src, float imm) {
  Instr i;
  i.op = Opcode::Vector;
  i.vop = op;
  i.dst = dst;
  i.src0 = src;
  i.imm = imm;
  return i;
}

Instr vector_binary(VecOp op, const TileRef& dst, const TileRef& a, const TileRef& b, Bcast bcast) {
  Instr i = vector_unary(op, dst, a);
  i.src1 = b;
  i.bcast = bcast;
  return i;
}

Instr fence() {
  Instr i;
  i.op = Opcode::Fence;
  return i;
}

Instr barrier() {
  Instr i;
  i.op = Opcode::Barrier;
  return i;
}

namespace {
std::string tile_str(const TileRef& t) {
  return fmt::format("{}[{:#x}] {}x{}/{} {}", space_name(t.space), t.addr, t.rows, t.cols,
                     t.row_stride(), dtype_name(t.dtype));
}
}  // namespace

std::string describe(const Instr& i) {
  switch (i.op) {
    case Opcode::DmaLoad:
    case Opcode::DmaStore:
      return fmt::format("{} {} <- {}", opcode_name(i.op), tile_str(i.dst), tile_str(i.src0));
    case Opcode::MatMul:
      return fmt::format("matmul{} {} <- {} x {}{}", i.accumulate ? "+" : "", tile_str(i.dst),
                         tile_str(i.src0), tile_str(i.src1), i.transpose_b ? "^T" : "");
    case Opcode::Vector:
      return fmt::format("vector.{} {} <- {}", vec_op_name(i.vop), tile_str(i.dst),
                         tile_str(i.src0));
    default:
      return opcode_name(i.op);
  }
}

}  // namespace nuri::sim::npu
