// The NPU instruction set. A core runs a Program in order through a scoreboard: each
// instruction goes to one engine (a DMA engine, the systolic array, the vector unit) and waits
// only for the instructions whose memory regions it conflicts with (RAW, WAR, WAW), so DMA of
// the next tile overlaps compute on the current one when the program double-buffers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/npu/config.h"
#include "simulator/npu/dtype.h"

namespace nuri::sim::npu {

// Dram is the shared off-chip memory; Spm and Acc are the core's own scratchpads.
enum class Space : uint8_t { Dram, Spm, Acc };
const char* space_name(Space s);

// A 2-D tile: `rows` rows of `cols` elements, rows `stride` elements apart (stride >= cols).
// Fields widest first: a program holds millions of these (32 bytes instead of 40).
struct TileRef {
  uint64_t addr = 0;    // byte address within the space
  uint64_t stride = 0;  // in elements; 0 means dense (= cols)
  uint32_t rows = 0;
  uint32_t cols = 0;
  Space space = Space::Spm;
  DType dtype = DType::BF16;

  uint64_t row_stride() const { return stride == 0 ? cols : stride; }
  uint64_t elems() const { return uint64_t{rows} * cols; }
  uint64_t bytes() const { return elems() * dtype_size(dtype); }
  // Bytes from the first to one past the last byte the tile touches.
  uint64_t extent_bytes() const {
    return rows == 0 ? 0 : ((rows - 1) * row_stride() + cols) * dtype_size(dtype);
  }
  // The sub-tile at (r, c) of size rows x cols, same stride.
  TileRef sub(uint32_t r, uint32_t c, uint32_t nrows, uint32_t ncols) const;
};

TileRef tile(Space s, uint64_t addr, uint32_t rows, uint32_t cols, DType t, uint64_t stride = 0);

enum class Opcode : uint8_t { DmaLoad, DmaStore, MatMul, Vector, Fence, Barrier };
const char* opcode_name(Opcode op);

// src1 broadcast for binary vector ops: Row = src1 is [1 x cols], Col = src1 is [rows x 1].
enum class Bcast : uint8_t { None, Row, Col };

// Fields widest first, as TileRef's (112 bytes instead of 144).
struct Instr {
  TileRef dst;    // DMA destination; matmul C (Acc); vector output
  TileRef src0;   // DMA source; matmul A [M x K] (Spm); vector input
  TileRef src1;   // matmul B [K x N] (or [N x K] if transpose_b) (Spm); vector 2nd input
  float imm = 0;  // AddImm / MulImm value; CausalMask column offset
  Opcode op = Opcode::Fence;
  VecOp vop = VecOp::Copy;
  Bcast bcast = Bcast::None;
  bool accumulate = false;  // matmul: C += A B instead of C = A B
  bool transpose_b = false;
};

// Off-chip -> scratchpad (dst in Spm/Acc, src in Dram); same shape and dtype, no conversion.
Instr dma_load(const TileRef& dst, const TileRef& src);
// Scratchpad -> off-chip.
Instr dma_store(const TileRef& dst, const TileRef& src);
// C (Acc, f32 for bf16 operands, int32 for int8) (+)= A B. Under weight-stationary K <= rows
// and N <= cols of the array; under output-stationary M <= rows and N <= cols.
Instr matmul(const TileRef& c, const TileRef& a, const TileRef& b, bool accumulate,
             bool transpose_b = false);
Instr vector_unary(VecOp op, const TileRef& dst, const TileRef& src, float imm = 0);
Instr vector_binary(VecOp op, const TileRef& dst, const TileRef& a, const TileRef& b,
                    Bcast bcast = Bcast::None);
// Waits for every earlier instruction of this core.
Instr fence();
// Waits for every earlier instruction of every core taking part in the run.
Instr barrier();

struct Program {
  std::vector<Instr> instrs;
  void push(const Instr& i) { instrs.push_back(i); }
  size_t size() const { return instrs.size(); }
};

std::string describe(const Instr& i);

}  // namespace nuri::sim::npu
