// One unit of work of a compiled cpu program: a fused or accelerated group of graph nodes, or a
// single node on the reference kernels. Value ids name buffers; pointers are resolved per run.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/cpu/gemv_matmul.h"
#include "devices/cpu/onednn_int8_matmul.h"
#include "devices/cpu/onednn_matmul.h"
#include "kernels/cpu_fast/fast_attention.h"
#include "kernels/cpu_fast/fast_ops.h"

namespace nuri::cpu {

enum class StepKind {
  Reference,   // run_reference_node on `node`
  Matmul,      // oneDNN (with fused bias/addend/activation)
  Int8Matmul,  // oneDNN int8: reads = {A, [A's zero point]}, writes = {out}
  Gemv,        // few rows x constant weights (f32 or int8): reads = {A, [addend]}, writes = {out}
  Softmax,     // rows x cols
  LayerNorm,   // rows x cols, inputs x, gamma, [beta]
  RMSNorm,     // rows x cols, inputs x, gamma
  Activation,  // n elements
  Binary,      // a [rows, cols] op b (row stride b_row_stride), or a op scalar b
  Attention,   // fused attention over strided views
  Copy,        // bytes from reads[0] to writes[0] (a graph output that aliases another buffer)
};

// A strided view into a materialized value (attention operands read in place).
struct ViewRef {
  ir::ValueId root = ir::kNoValue;
  int64_t offset = 0;  // elements
  fast::View4 stride;
};

struct Step {
  StepKind kind = StepKind::Reference;
  ir::NodeId node = -1;             // the node it stands for (first of a fused group)
  std::vector<ir::NodeId> fused;    // further nodes folded into this step
  std::vector<ir::ValueId> reads;   // buffers read (for liveness)
  std::vector<ir::ValueId> writes;  // buffers written
  int64_t rows = 0, cols = 0;
  float eps = 0.0f;
  // Softmax/LayerNorm/RMSNorm/Activation: write the output with non-temporal stores (it is
  // larger than the last-level cache, so no later step finds it there anyway).
  bool streaming_out = false;
  fast::Activation act = fast::Activation::Relu;
  fast::Binary binary = fast::Binary::Add;
  int64_t b_row_stride = 0;
  bool scalar_b = false;
  size_t bytes = 0;       // Copy
  int output_index = -1;  // Copy: the graph output it fills
  // Matmul: reads = {A, [B], [addend]}, writes = {out}.
  std::unique_ptr<OnednnMatmul> matmul;
  bool matmul_runtime_b = false, matmul_addend = false;
  std::unique_ptr<OnednnInt8Matmul> int8_matmul;
  std::unique_ptr<GemvMatmul> gemv;  // Gemv (matmul_addend as for Matmul)
  // Int8Matmul: A's zero point is read from reads[1] (uint8 or int8), or is the constant a_zp.
  bool a_zp_from_input = false, a_zp_unsigned = false;
  int32_t a_zp = 0;
  // Attention: views of q, k, v, out; args hold dims (pointers filled per run). With a KV
  // cache, reads end with {past_k, past_v} and writes with {present_k, present_v}: the step
  // appends the new keys/values to the past in present and attends over all of it (a few query
  // rows and a separate present: the kernel copies the past as it reads it).
  ViewRef q, k, v, out;
  fast::AttentionArgs attn;
  bool kv_cache = false;
  int64_t past_len = 0;  // the cache's rows (its capacity when in place)
  // In place: reads end with kv_len too (valid rows, read per run) and present may be past.
  bool kv_in_place = false;
  // Present caches copied by the kernel go out with non-temporal stores.
  bool stream_present = false;
};

}  // namespace nuri::cpu
