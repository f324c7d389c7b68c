// Runs one planned step on resolved buffers (internal to devices/cpu).
#pragma once

#include <cstddef>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "compiler/lowering/reference_ops.h"
#include "devices/cpu/step.h"
#include "devices/cpu/thread_pool.h"

namespace nuri::cpu {

struct RunBuffers {
  std::vector<std::byte*> ptr;                  // per value (null where not materialized)
  const std::vector<void*>* outputs = nullptr;  // graph outputs' memory, by output index
  ThreadPool* pool = nullptr;
  dnnl::stream* stream = nullptr;
  void* scratchpad = nullptr;          // oneDNN, shared by all matmul steps
  uint16_t* bf16_a = nullptr;          // A converted to bf16
  float* attention_scratch = nullptr;  // per thread: attention_floats each
  int64_t attention_floats = 0;
};

// `ref` holds the reference operands' types (pointers are refreshed here).
void execute_step(Step& step, const ir::Node* node, ir::NodeOperands* ref, RunBuffers& rb);

}  // namespace nuri::cpu
