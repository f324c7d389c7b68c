// The `pim` device's codegen and executable: a partition of GEMV-shaped nodes compiled onto a
// bank-level PIM memory (simulator/pim) and run on it, functionally and/or in time.
//
// What runs in PIM:
//  - MatMul / Gemm whose weight is a constant 2-D matrix and whose activation has few rows
//    (M <= max_rows after flattening leading dims): y = W^T x as a PIM GEMV (skinny GEMM: the
//    M vectors one after another, no weight reuse, as the simulator models). Each weight is
//    transposed, rounded to the unit's input dtype and laid out over channels and banks ONCE,
//    at compile. Gemm's alpha, beta and bias C are applied by the host as an epilogue on the
//    f32 result (free in time).
//  - decode attention (q_len == 1, past_key/past_value given, no mask): per batch and KV head,
//    scores = K_all q as a GEMV over the cache (the GQA group's query heads as the batch),
//    scale + softmax on the HOST side of the device (neither preset has an exp unit we model),
//    then y = V_all^T p as a GEMV. The KV cache arrives as an input each step: we charge
//    writing it into PIM memory over the bus at the DRAM's peak bus bandwidth, the whole cache
//    by default or only the new token's K/V row with kv_resident=1 (the cache assumed resident
//    across steps, the runtime's copy being a mirror).
//  - Add / Mul of two same-size operands (no broadcasting) on configs with an elementwise kernel
//    (HBM-PIM): c = a op b in the banks (simulator/pim/pim_eltwise). Operands that live in PIM
//    memory cost no bus traffic: constants (laid out at compile) and results of earlier
//    elementwise steps. Any other operand (a partition input, a GEMV/attention result, which
//    the host holds after the readout) is written into PIM memory over the bus first, and a
//    result that leaves the elementwise steps (partition output, or input of a GEMV) is read
//    out over the bus, both at the bus's peak bandwidth.
// f32 nodes (f32=1, the default) run on the units' datapath: inputs and weights are rounded to
// its dtype (the device reports it as f32_compute_dtype); outputs stay f32.
// Everything else is declined so the runtime falls back.
//
// Timing is data-independent, so every step's PIM timing is simulated once at compile; an
// execute is its numerics (skipped with timing_only=1: outputs are then zero-filled) plus the
// precomputed stats. Clock domain: DRAM command clock tCK of the preset.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ir/graph.h"
#include "nuri/device.h"
#include "simulator/pim/pim_eltwise.h"
#include "simulator/pim/pim_gemv.h"

namespace nuri::pim {

struct PimDeviceOptions {
  std::string config_name = "HBM-PIM";
  sim::pim::PimConfig config;
  bool timing_only = false;
  bool kv_resident = false;
  int64_t max_rows = 8;    // skinny-GEMM limit on activation rows
  bool accept_f32 = true;  // f32 nodes run on the units' f16/bf16 datapath
  // Compile without simulating time (layouts and checks only): the capability query's dry run.
  bool dry_run = false;
};

// "config=HBM-PIM|AiM|<file.json>;timing_only=0|1;kv_resident=0|1;max_rows=N;f32=0|1". Throws
// nuri::Error naming an unknown key, config or bad value.
PimDeviceOptions parse_pim_options(const char* options);

// The IR dtype the PIM units compute in (f16 for HBM-PIM, bf16 for AiM; f32 is refused).
DType pim_dtype(const sim::pim::PimConfig& cfg);

// Why node `index` of `desc` cannot run in PIM, or "" if it can.
std::string pim_unsupported_reason(const PimDeviceOptions& opt, const nuri_graph_desc* desc,
                                   size_t index);

// Estimated seconds for a supported node (PIM timing, timing-only simulation).
double pim_estimate_seconds(const PimDeviceOptions& opt, const nuri_graph_desc* desc, size_t index);

class PimProgram {
 public:
  // Throws nuri::Error naming the node or tensor (unsupported node, weight or KV cache too big
  // for the PIM memory, constant without data outside timing-only mode).
  PimProgram(ir::Graph graph, const PimDeviceOptions& opt);
  ~PimProgram();
  PimProgram(const PimProgram&) = delete;
  PimProgram& operator=(const PimProgram&) = delete;

  // Raw buffers in the order of the graph's inputs / outputs.
  void run(std::span<const void* const> inputs, std::span<void* const> outputs);

  const ir::Graph& graph() const { return graph_; }
  nuri_exec_stats stats() const;
  // Report (JSON) of the compiled program's last execution: per step and totals, with the
  // baseline (same DRAM without PIM) simulated here. Trace: per-channel tracks, steps in order.
  nlohmann::json report() const;
  void write_report(const char* report_path, const char* trace_path) const;

  // Totals of one execution (known at compile).
  int64_t cycles() const { return total_cycles_; }
  double ns() const;
  double useful_flops() const { return useful_flops_; }
  uint64_t bus_bytes() const { return bus_bytes_; }
  double energy_pj() const { return energy_pj_; }

  struct Step;

 private:
  void run_gemm(const Step& s, std::vector<std::vector<float>>& vals) const;
  void run_attention(const Step& s, std::vector<std::vector<float>>& vals) const;
  void run_eltwise(const Step& s, std::vector<std::vector<float>>& vals) const;

  ir::Graph graph_;
  PimDeviceOptions opt_;
  sim::pim::PimGemv gemv_;
  sim::pim::PimEltwise eltwise_;
  std::vector<std::unique_ptr<Step>> steps_;
  int64_t total_cycles_ = 0;
  double useful_flops_ = 0;
  uint64_t bus_bytes_ = 0;
  double energy_pj_ = 0;
  uint64_t executions_ = 0;
};

}  // namespace nuri::pim
