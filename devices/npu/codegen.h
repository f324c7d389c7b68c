// The NPU codegen: lowers a partition (ir::Graph) to NPU simulator programs, one step per op.
// Every activation lives in simulated DRAM as bf16 (an f32 graph is computed in bf16 with f32
// accumulation; inputs are rounded to bf16 when written, outputs widened when read). Weights
// are laid out in DRAM once at compile time: matmul operands as bf16, biases and norm gains as
// f32 (the accumulator dtype). Reshape / Squeeze / Unsqueeze / Transpose (last axis kept) /
// Split are free views (strides over the producer's bytes); an op that needs a dense or
// differently laid out operand gets a DMA relayout step (DRAM -> spm -> DRAM), never a host copy.
// Embedding is a DMA gather whose descriptors are made at execute time from the ids.
// One lowering serves three passes: the capability query (dry, one node), a layout pass (dry,
// recording each activation's lifetime for the compiler's arena planner) and the emit pass at
// the planned addresses, so what the query accepts compiles and activations share memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/npu/activation_layout.h"
#include "devices/npu/shared_gemm_plans.h"
#include "devices/npu/tiling/gemm_tiler.h"
#include "devices/npu/view.h"
#include "nuri/device.h"
#include "simulator/npu/isa.h"
#include "simulator/npu/simulator.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

// A DMA gather (Embedding): rows of a [rows x cols] table to consecutive rows of `out_addr`.
struct GatherStep {
  uint64_t table_addr = 0, out_addr = 0;
  uint32_t table_rows = 0, cols = 0;
  int input_index = -1;            // ids from this partition input (host-visible i64 buffer)
  std::vector<int64_t> const_ids;  // or ids known at compile time
};

struct Step {
  std::string label;  // the node (or "<node>.relayout")
  std::vector<sim::Program> programs;
  std::optional<GatherStep> gather;
};

struct IoBinding {
  View view;               // dense
  ir::TensorType type;     // the graph's type (f32 / bf16 / i64)
  bool host_only = false;  // i64 ids read by gather steps, not copied to DRAM
};

struct NpuProgram {
  std::vector<Step> steps;
  std::vector<IoBinding> inputs, outputs;
  uint64_t dram_bytes = 0;    // DRAM the executable uses (weights + activations)
  uint64_t weight_bytes = 0;  // of which constants
};

// GEMM plans by what they depend on (shapes, strides, epilogue; not addresses), so one plan
// serves every identical GEMM and every emission of a partition.
using GemmPlanKey =
    std::tuple<uint32_t, uint32_t, uint32_t, uint64_t, uint64_t, bool, bool, int, int>;
using GemmPlans = std::map<GemmPlanKey, GemmPlan>;
using StepSink = std::function<void(Step&&)>;

// How generate_program emits. Defaults: plan the activations, search plans, keep every step.
struct EmitOptions {
  const ActivationLayout* layout = nullptr;  // from plan_activation_layout; null: planned here
  GemmPlans* plans = nullptr;                // plans found so far, and where new ones go
  // Each step is handed over as it is made and not kept (the program's `steps` stay empty):
  // a timing-only executable simulates one step at a time and holds no programs.
  const StepSink* sink = nullptr;
  // Where a GEMM this emission has no plan for is looked up (the device's), else searched.
  SharedGemmPlans* shared = nullptr;
};

// `sim` receives the constants (functional mode); nullptr = timing only (constants may be
// weight-less placeholders). Throws nuri::Error naming the node or tensor that cannot be
// lowered, or the tensor that does not fit the device memory.
NpuProgram generate_program(const ir::Graph& graph, const sim::NpuConfig& cfg, sim::Simulator* sim,
                            const EmitOptions& options = {});

// The activations' memory plan generate_program emits at (a dry layout pass).
ActivationLayout plan_activation_layout(const ir::Graph& graph, const sim::NpuConfig& cfg);

// Programs of one gather step for the given ids (throws naming `label` on an id out of range).
std::vector<sim::Program> emit_gather(const sim::NpuConfig& cfg, const GatherStep& g,
                                      const std::vector<int64_t>& ids, const std::string& label);

// Why generate_program would refuse `graph` ("" = it would not): the same lowering run dry, with
// no programs kept, no GEMM plan search and no constant data read.
std::string lowering_refusal(const ir::Graph& graph, const sim::NpuConfig& cfg);

// Why node `index` of `graph` cannot run on the NPU with config `cfg` ("" = it can): the
// lowering of the node alone, run dry (lowering_refusal), and for a functional device constant
// data present.
std::string unsupported_reason(const nuri_graph_desc* graph, size_t index,
                               const sim::NpuConfig& cfg, bool functional);

}  // namespace nuri::npu
