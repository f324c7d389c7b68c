// The fast cpu engine: compiles a graph once (verify, order, fuse, pick kernels, create oneDNN
// primitives and pack constant weights, plan one arena) and runs it many times. MatMul/Gemm go
// to oneDNN (f32, or bf16 with CpuOptions::bf16 on CPUs with AVX512-BF16/AMX); softmax, norms,
// activations, elementwise arithmetic and attention to kernels/cpu_fast; every other op to the
// reference kernels. Outputs match RefProgram within f32 (or bf16) rounding.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/cpu/cpu_options.h"

namespace nuri::cpu {

class CpuProgram {
 public:
  // Throws nuri::Error if the graph fails verification or a constant has no data.
  explicit CpuProgram(ir::Graph graph, CpuOptions options = {});
  ~CpuProgram();
  CpuProgram(const CpuProgram&) = delete;
  CpuProgram& operator=(const CpuProgram&) = delete;

  // Inputs in the order of graph.inputs(); each must match its input's dtype and shape.
  // One run at a time per program (runs share the arena and scratch buffers).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Same, writing into `outputs` (reused when their types already match: no allocation).
  void run(const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs);
  // Same on raw memory the caller sized to the graph's input and output types (the device's
  // buffers, read and written in place: no copies).
  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs);

  const ir::Graph& graph() const;
  int threads() const;
  bool bf16_active() const;
  // Arena bytes with liveness-based reuse, and what a buffer per planned tensor would need.
  size_t peak_bytes() const;
  size_t unshared_bytes() const;
  // One line per step: "<kind> <node>[+fused nodes] [impl]", for tests and `nuri` reports.
  std::vector<std::string> describe() const;
  // With CpuOptions::profile: per step (as describe()), total seconds over all runs so far.
  std::vector<double> profile() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when this CPU runs oneDNN bf16 matmuls natively (AVX512-BF16 or AMX).
bool cpu_has_bf16();

}  // namespace nuri::cpu
