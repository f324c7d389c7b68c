// Turns a verified graph into the cpu engine's steps: picks an accelerated path per node,
// fuses MatMul->Add(bias)->Gelu into one oneDNN primitive, lets Attention read q/k/v straight
// out of the packed qkv projection (skipping Split/Reshape/Transpose) and write its output in
// [B, S, H, Dv] order, and makes Reshape/Squeeze/Unsqueeze free aliases.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "devices/cpu/cpu_options.h"
#include "devices/cpu/step.h"

namespace nuri::cpu {

struct ProgramPlan {
  std::vector<Step> steps;
  // Per value: the value whose buffer holds its bytes (itself, or what it aliases) and the
  // byte offset there (a slice, or a part of a concat written in place); root kNoValue for
  // values no step materializes (fused or read in place). While planning, root is a parent
  // link (resolve_alias follows it); plan_program returns it resolved.
  std::vector<ir::ValueId> root;
  std::vector<size_t> offset;
};

// `bf16`: run constant-weight matmuls in bf16 (the caller checked the CPU can).
ProgramPlan plan_program(const ir::Graph& graph, const std::vector<ir::NodeId>& order,
                         const CpuOptions& options, bool bf16, const dnnl::engine& engine);

}  // namespace nuri::cpu
