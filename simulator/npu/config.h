// Hardware description of the NPU model: the documented parameters every formula in
// README.md uses. Loaded from JSON (strict: unknown or missing keys are errors naming the
// field) or from a named preset embedded in code (presets.cpp), so no paths are needed.
// Clock domain: every "cycles" figure below is in the core clock (clock_mhz), shared by all
// cores; off-chip memory figures are in nanoseconds.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/npu/dtype.h"

namespace nuri::sim::npu {

// What stays in the PEs while the other operands stream: B (weights), C (outputs) or A (inputs).
enum class Dataflow : uint8_t { WeightStationary, OutputStationary, InputStationary };
const char* dataflow_name(Dataflow d);

// Timing semantics. None: Nuri's own (pipelined folds, physical output drain, real memory,
// epilogue on the vector unit). ScaleSim: SCALE-Sim v2's stall-free compute model exactly
// (README.md "SCALE-Sim compatibility"): its per-fold cycles, folds back to back, free memory
// and vector unit, and a run reports the index of its last cycle (cycles - 1) as SCALE-Sim does.
enum class Compat : uint8_t { None, ScaleSim };
const char* compat_name(Compat c);

// Vector-unit operations; per-op cost is "cycles per lane-chunk" (one chunk = `lanes` elements).
enum class VecOp : uint8_t {
  Add,
  Sub,
  Mul,
  Max,  // binary, src1 may broadcast a row or a column
  AddImm,
  MulImm,  // src0 op immediate
  Exp,
  Recip,
  Rsqrt,
  Gelu,
  Relu,
  Copy,  // unary (Copy converts dtype)
  RowMax,
  RowSum,      // row reductions to a [rows x 1] column
  CausalMask,  // element (i, j) with j > i + imm becomes -inf
  kCount
};
constexpr size_t kVecOpCount = static_cast<size_t>(VecOp::kCount);
const char* vec_op_name(VecOp op);
bool is_reduction(VecOp op);

struct ArrayConfig {
  uint32_t rows = 0;  // R: PE rows (the K extent under WS and IS, the M extent under OS)
  uint32_t cols = 0;  // C: PE columns (the N extent under WS and OS, the M extent under IS)
  Dataflow dataflow = Dataflow::WeightStationary;
  bool pipelined = true;  // overlap the next tile's fill/preload with the current tile
};

struct VectorConfig {
  uint32_t lanes = 0;
  uint32_t latency_cycles = 0;                    // pipeline depth paid once per instruction
  std::array<uint32_t, kVecOpCount> op_cycles{};  // cycles per chunk of `lanes` elements
};

struct ScratchpadConfig {
  uint64_t size_bytes = 0;
  uint32_t banks = 0;
  uint32_t bank_bytes_per_cycle = 0;
  uint64_t bytes_per_cycle() const { return uint64_t{banks} * bank_bytes_per_cycle; }
};

struct DmaConfig {
  uint32_t engines = 0;          // per core; each runs one transfer at a time
  uint32_t bytes_per_cycle = 0;  // per engine
  uint32_t setup_cycles = 0;     // descriptor decode before the first request
};

// The simple off-chip model: one server at channels * gbps_per_channel plus a fixed latency.
struct MemoryConfig {
  std::string kind;  // e.g. "hbm3", "gddr6", "lpddr5", "ddr3" (informational)
  uint32_t channels = 0;
  double gbps_per_channel = 0;  // GB/s = bytes per ns
  double latency_ns = 0;
  uint64_t capacity_bytes = 0;
  double aggregate_gbps() const { return channels * gbps_per_channel; }
};

// GEMM tile sizes the device tiler must use (0 = the tiler chooses). A tile larger than the
// dimension is clamped to it.
struct TilingConfig {
  uint32_t tile_m = 0, tile_n = 0, tile_k = 0;
};

// Energy per event, in picojoules (README.md cites where each figure comes from).
struct EnergyConfig {
  double pj_per_mac_int8 = 0;
  double pj_per_mac_bf16 = 0;
  double pj_per_vector_elem = 0;
  double pj_per_sram_byte = 0;
  double pj_per_dram_byte = 0;
  double static_watts = 0;
};

struct NpuConfig {
  std::string name;
  std::string source;  // citation / assumptions of the preset
  uint32_t cores = 0;
  double clock_mhz = 0;
  std::vector<DType> dtypes;  // operand dtypes the array accepts
  ArrayConfig array;
  VectorConfig vector;
  ScratchpadConfig spm;  // operands, vector data (unified buffer)
  ScratchpadConfig acc;  // f32/int32 accumulators the array writes
  DmaConfig dma;
  MemoryConfig memory;
  EnergyConfig energy;
  TilingConfig tiling;           // optional JSON key "tiling"
  Compat compat = Compat::None;  // optional JSON key "compat": "none" or "scale-sim"

  double clock_ghz() const { return clock_mhz / 1000.0; }
  bool supports(DType t) const;
  // Peak MACs per core clock cycle over all cores.
  uint64_t peak_macs_per_cycle() const { return uint64_t{array.rows} * array.cols * cores; }
};

// Parses and validates; throws nuri::Error naming the offending field ("npu.array.rows").
NpuConfig config_from_json(const nlohmann::json& j);
nlohmann::json config_to_json(const NpuConfig& c);
// Throws nuri::Error naming the field if a value is out of range.
void validate_config(const NpuConfig& c);

// Presets (presets.cpp): "tpu-v1", "atom-like" (mid-size), "rngd-like" (large).
std::vector<std::string> preset_names();
NpuConfig preset_config(const std::string& name);
// Off-chip memory presets for the simple model: "hbm3", "gddr6", "lpddr5", "ddr3".
MemoryConfig memory_preset(const std::string& name);
// A preset name, or a path to a JSON file (anything containing '/' or ending in ".json").
NpuConfig load_config(const std::string& preset_or_path);

}  // namespace nuri::sim::npu
