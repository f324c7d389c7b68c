// Graph facts the planner's passes share (internal to devices/cpu).
#pragma once

#include <optional>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/cpu/cpu_options.h"
#include "devices/cpu/planner.h"
#include "devices/cpu/step.h"

namespace nuri::cpu {

struct PlanContext {
  PlanContext(const ir::Graph& g, const std::vector<ir::NodeId>& order);

  const ir::Graph& graph;
  const std::vector<ir::NodeId>& order;
  std::vector<ir::NodeId> producer;                // per value, -1 for inputs/constants
  std::vector<std::vector<ir::NodeId>> consumers;  // per value, one entry per use
  std::vector<bool> is_output;                     // per value
  std::vector<bool> claimed;                       // per node: folded into another step
  std::vector<bool> is_virtual;                    // per value: never materialized
  std::vector<size_t> position;                    // per node: index in order
  // Aligned bounce for matmul weights off a float boundary, reused by every weight the compile
  // packs (its pages fault in once) and freed with the plan's context.
  std::vector<float> weight_staging;

  const ir::TensorType& type(ir::ValueId v) const { return graph.value(v).type; }
  bool is_f32(ir::ValueId v) const { return type(v).dtype == DType::F32; }
  // Every present operand of the node is f32.
  bool all_f32(const ir::Node& n) const;
  // The node that alone reads v (once), if v is not a graph output either.
  std::optional<ir::NodeId> sole_user(ir::ValueId v) const;
  // Constant data, or null for non-constants (and data-less placeholders).
  const Tensor* constant(ir::ValueId v) const;
};

struct Alias {
  ir::ValueId root;
  size_t offset;  // bytes
};
// Follows the parent links in plan.root (while planning) to the buffer holding v.
Alias resolve_alias(const ProgramPlan& plan, ir::ValueId v);
// Gather of one constant index along an axis with only size-1 dims before it: a view of its
// data at an offset. Returns whether it planned it so (no step).
bool plan_gather_view(const PlanContext& ctx, ir::NodeId id, ProgramPlan& plan);
// Concat along an axis with only size-1 dims before it, of inputs that are whole buffers this
// program writes: each input's buffer becomes its part of the output. Returns whether it
// planned it so (no step).
bool plan_concat_in_place(const PlanContext& ctx, ir::NodeId id, ProgramPlan& plan);

// A fused matmul step starting at node `id` (claims the nodes it folds), or nullopt.
std::optional<Step> plan_matmul(PlanContext& ctx, ir::NodeId id, const CpuOptions& options,
                                bool bf16, const dnnl::engine& engine);

// A MatMulInteger / QLinearMatMul step on oneDNN's int8 matmul, or nullopt (reference).
std::optional<Step> plan_int8_matmul(PlanContext& ctx, ir::NodeId id, const dnnl::engine& engine);

// Gemm/MatMul over DequantizeLinear'd 8-bit operands (the QDQ export of an int8 linear layer)
// on oneDNN's int8 matmul, by node id (the rest null); folds away the dequantize nodes that
// only fed them. Run before the main pass.
std::vector<std::optional<Step>> plan_qdq_matmuls(PlanContext& ctx, const dnnl::engine& engine);

// Attention steps reading operands in place: marks the Split/Reshape/Transpose nodes they make
// redundant as claimed and their values virtual. Run before the main pass; returns one step
// per fast attention node (by node id, the rest null).
std::vector<std::optional<Step>> plan_attention(PlanContext& ctx, const CpuOptions& options);

}  // namespace nuri::cpu
