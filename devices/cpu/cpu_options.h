// Options of the fast cpu engine.
#pragma once

namespace nuri::cpu {

struct CpuOptions {
  // Worker threads for oneDNN and the engine's kernels; <= 0 means one per physical core
  // (hwloc).
  int threads = 0;
  // Run MatMul/Gemm with constant weights in bf16 (f32 accumulation and output) where the CPU
  // has AVX512-BF16 or AMX; ignored elsewhere (CpuProgram::bf16_active() says which).
  bool bf16 = false;
  // Weight-only int8: MatMul/Gemm of at most GemvMatmul::kMaxRows rows (the decode step's)
  // against constant f32 weights quantize them per output column (symmetric, scale = max|w| /
  // 127) and run on the int8 GEMV kernel with f32 activations: a quarter of the bytes to read.
  // Larger products stay f32 (or bf16). Takes precedence over bf16 where both apply.
  bool int8_weights = false;
  // Few-row f32 products on the GEMV kernel (off: oneDNN, for comparisons).
  bool gemv = true;
  // Threads that pack constant weights at compile, one matmul's weights each; <= 0 means one per
  // physical core. One by default: on the 2-core development VM two packers faulting in
  // huge pages at once spent 2-3x the system time of one (see README, "Loading").
  int pack_threads = 1;
  // Bind worker thread i to physical core i (hwloc) while the program runs.
  bool pin_threads = true;
  // Fuse bias/Gelu into MatMul and read attention operands in place; off = one step per node.
  bool fuse = true;
  // Time every step of every run (CpuProgram::profile()); costs two clock reads per step.
  bool profile = false;
  // Row and elementwise outputs of at least this many bytes are written with non-temporal
  // stores; 0 never. The device sets the host's last-level cache size (hwloc).
  int64_t streaming_store_bytes = 0;
};

}  // namespace nuri::cpu
