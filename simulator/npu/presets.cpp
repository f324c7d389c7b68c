// Presets embedded in code so no file paths are needed. Each cites its public source and
// states what was assumed; README.md repeats the table with reasoning.
#include <map>

#include "nuri/error.hpp"
#include "simulator/npu/config.h"

namespace nuri::sim::npu {

namespace {

// Vector op costs in cycles per chunk of `lanes` elements (assumed for all presets: simple
// ALU ops single-cycle; transcendental ops via a 4-cycle iterative unit; GELU = tanh form).
constexpr const char* kOpCycles = R"({"add": 1, "sub": 1, "mul": 1, "max": 1, "add_imm": 1,
  "mul_imm": 1, "exp": 4, "recip": 4, "rsqrt": 4, "gelu": 8, "relu": 1, "copy": 1,
  "row_max": 1, "row_sum": 1, "causal_mask": 1})";

// Jouppi et al., "In-Datacenter Performance Analysis of a Tensor Processing Unit", ISCA 2017:
// 256x256 8-bit MACs at 700 MHz, 24 MiB Unified Buffer, 4 MiB accumulators (4096 x 256 x
// 32 bit), weight-stationary with double-buffered weights, 8 GiB DDR3 at 34 GB/s, 28 W idle /
// 40 W busy per die. Assumed: vector (activation) unit of 256 lanes, SRAM banking, DMA
// engine count and setup, 100 ns DRAM latency, energies (README.md).
constexpr const char* kTpuV1 = R"({
  "name": "tpu-v1",
  "source": "Jouppi et al., In-Datacenter Performance Analysis of a Tensor Processing Unit, ISCA 2017 (256x256 int8 @ 700 MHz, 24 MiB UB, 4 MiB acc, DDR3 34 GB/s); vector unit, banking, DMA, latency and energies assumed",
  "cores": 1, "clock_mhz": 700, "dtypes": ["int8"],
  "array": {"rows": 256, "cols": 256, "dataflow": "weight_stationary", "pipelined": true},
  "vector": {"lanes": 256, "latency_cycles": 8, "op_cycles": @OP_CYCLES@},
  "spm": {"size_bytes": 25165824, "banks": 8, "bank_bytes_per_cycle": 64},
  "acc": {"size_bytes": 4194304, "banks": 4, "bank_bytes_per_cycle": 256},
  "dma": {"engines": 2, "bytes_per_cycle": 64, "setup_cycles": 32},
  "memory": {"kind": "ddr3", "channels": 2, "gbps_per_channel": 17.0, "latency_ns": 100,
             "capacity_bytes": 8589934592},
  "energy": {"pj_per_mac_int8": 0.3, "pj_per_mac_bf16": 1.5, "pj_per_vector_elem": 1.0,
             "pj_per_sram_byte": 1.25, "pj_per_dram_byte": 160, "static_watts": 28}
})";

// Mid-size, modelled on Rebellions ATOM (docs.rbln.ai "RBLN NPU Architecture"; Rebellions
// product material): 8 Neural Engines with 4 MB local scratchpad each, 32 MB shared SRAM,
// 16 GB GDDR6 at 256 GB/s, 32 TFLOPS FP16. Assumed: 1 GHz clock, so 32 TFLOPS = 8 cores x
// 2048 MAC/cycle -> a 64x32 array; the 32 MB shared SRAM is not modelled; 1 MiB of
// accumulators per core; int8 runs at the bf16 rate (ATOM's 4x int8 rate is not modelled).
constexpr const char* kAtomLike = R"({
  "name": "atom-like",
  "source": "Modelled on Rebellions ATOM public specs (8 neural engines, 4 MB local SRAM each, 16 GB GDDR6 256 GB/s, 32 TFLOPS FP16); 1 GHz clock, 64x32 array per engine, acc size, vector unit, DMA, energies assumed",
  "cores": 8, "clock_mhz": 1000, "dtypes": ["bf16", "int8"],
  "array": {"rows": 64, "cols": 32, "dataflow": "output_stationary", "pipelined": true},
  "vector": {"lanes": 64, "latency_cycles": 6, "op_cycles": @OP_CYCLES@},
  "spm": {"size_bytes": 4194304, "banks": 16, "bank_bytes_per_cycle": 16},
  "acc": {"size_bytes": 1048576, "banks": 8, "bank_bytes_per_cycle": 32},
  "dma": {"engines": 2, "bytes_per_cycle": 64, "setup_cycles": 20},
  "memory": {"kind": "gddr6", "channels": 8, "gbps_per_channel": 32.0, "latency_ns": 150,
             "capacity_bytes": 17179869184},
  "energy": {"pj_per_mac_int8": 0.1, "pj_per_mac_bf16": 0.4, "pj_per_vector_elem": 0.5,
             "pj_per_sram_byte": 0.5, "pj_per_dram_byte": 56, "static_watts": 15}
})";

// Large, modelled on FuriosaAI RNGD (furiosa.ai RNGD docs; Hot Chips 2024; ISCA 2024 TCP):
// 8 processing elements at 1.0 GHz, 256 TFLOPS BF16, 256 MB on-chip SRAM (32 MB per PE),
// two HBM3 stacks, 1.5 TB/s, 48 GB, 150 W TDP. RNGD's tensor-contraction engine is modelled
// as a systolic array: 256 TFLOPS = 8 x 16384 MAC/cycle -> 128x128 per core. Assumed: 4 MiB
// of each PE's 32 MB act as accumulators (28 MiB spm), 256 vector lanes, DMA, latency,
// energies; int8 runs at the bf16 rate (RNGD's 2x int8 rate is not modelled).
constexpr const char* kRngdLike = R"({
  "name": "rngd-like",
  "source": "Modelled on FuriosaAI RNGD public specs (8 PEs @ 1 GHz, 256 TFLOPS BF16, 256 MB SRAM, 2x HBM3 1.5 TB/s 48 GB); 128x128 array per PE, acc split, vector unit, DMA, latency and energies assumed",
  "cores": 8, "clock_mhz": 1000, "dtypes": ["bf16", "int8"],
  "array": {"rows": 128, "cols": 128, "dataflow": "weight_stationary", "pipelined": true},
  "vector": {"lanes": 256, "latency_cycles": 6, "op_cycles": @OP_CYCLES@},
  "spm": {"size_bytes": 29360128, "banks": 32, "bank_bytes_per_cycle": 32},
  "acc": {"size_bytes": 4194304, "banks": 16, "bank_bytes_per_cycle": 64},
  "dma": {"engines": 4, "bytes_per_cycle": 128, "setup_cycles": 20},
  "memory": {"kind": "hbm3", "channels": 32, "gbps_per_channel": 48.0, "latency_ns": 120,
             "capacity_bytes": 51539607552},
  "energy": {"pj_per_mac_int8": 0.1, "pj_per_mac_bf16": 0.35, "pj_per_vector_elem": 0.5,
             "pj_per_sram_byte": 0.5, "pj_per_dram_byte": 31, "static_watts": 40}
})";

nlohmann::json parse_preset(const char* text) {
  std::string s(text);
  auto pos = s.find("@OP_CYCLES@");
  s.replace(pos, 11, kOpCycles);
  return nlohmann::json::parse(s);
}

const std::map<std::string, const char*>& presets() {
  static const std::map<std::string, const char*> m = {
      {"tpu-v1", kTpuV1}, {"atom-like", kAtomLike}, {"rngd-like", kRngdLike}};
  return m;
}

}  // namespace

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : presets()) out.push_back(k);
  return out;
}

NpuConfig preset_config(const std::string& name) {
  auto it = presets().find(name);
  if (it == presets().end()) {
    std::string known;
    for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("npu config: unknown preset '" + name + "' (known: " + known + ")",
                NURI_ERROR_NOT_FOUND);
  }
  return config_from_json(parse_preset(it->second));
}

MemoryConfig memory_preset(const std::string& name) {
  // Per-channel peak figures from the JEDEC speed grades named; latencies assumed.
  if (name == "hbm3")  // one stack: 16 channels x 64 bit x 6.4 Gb/s = 819 GB/s
    return {"hbm3", 16, 51.2, 110.0, 24ull << 30};
  if (name == "gddr6")  // 8 x16 channels at 16 Gb/s = 256 GB/s
    return {"gddr6", 8, 32.0, 150.0, 16ull << 30};
  if (name == "lpddr5")  // 4 x16 channels at 6400 MT/s = 51.2 GB/s
    return {"lpddr5", 4, 12.8, 120.0, 8ull << 30};
  if (name == "ddr3")  // 2 x 64-bit DDR3-2133 channels = 34 GB/s (TPU v1)
    return {"ddr3", 2, 17.0, 100.0, 8ull << 30};
  throw Error("npu.memory: unknown memory preset '" + name + "' (known: hbm3, gddr6, lpddr5, ddr3)",
              NURI_ERROR_NOT_FOUND);
}

}  // namespace nuri::sim::npu
