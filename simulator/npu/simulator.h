// The NPU simulator: runs one Program per core, functionally (real numbers) and in time
// (closed-form cycles per instruction, per-engine timelines, scoreboard dependencies, the
// off-chip memory shared by all cores through MemoryTiming). Time is kept in core clock
// cycles; the memory model works in nanoseconds and the DMA engines convert at the core clock.
// Successive run() calls continue one timeline: each run starts when the previous one ended.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/common/chrome_trace.h"
#include "simulator/common/memory_timing.h"
#include "simulator/npu/config.h"
#include "simulator/npu/functional.h"
#include "simulator/npu/isa.h"
#include "simulator/npu/stats.h"

namespace nuri::sim::npu {

class SimpleMemory;

struct SimOptions {
  bool functional = true;  // false: timing only, no data needed or touched
  bool trace = false;      // record a Chrome trace span per instruction
};

struct RunResult {
  uint64_t start_cycle = 0, end_cycle = 0;  // core clock cycles
  uint64_t cycles() const { return end_cycle - start_cycle; }
};

// Engine (trace track) numbering within a core.
constexpr uint32_t kEngineArray = 0;
constexpr uint32_t kEngineVector = 1;
constexpr uint32_t kEngineDma0 = 2;

class Simulator {
 public:
  // memory == nullptr: a SimpleMemory built from cfg.memory.
  explicit Simulator(NpuConfig cfg, SimOptions opt = {},
                     std::shared_ptr<MemoryTiming> memory = nullptr);

  // programs[c] runs on core c (fewer programs than cores leave cores idle). Validates every
  // instruction first; throws nuri::Error naming core, index and instruction.
  RunResult run(const std::vector<Program>& programs, const std::string& label = "");

  // Off-chip data (functional mode only): raw bytes, or f32 values converted to `t`.
  void write_dram(uint64_t addr, const void* src, uint64_t bytes);
  void read_dram(uint64_t addr, void* dst, uint64_t bytes);
  void write_values(uint64_t addr, const float* src, uint64_t n, DType t);
  void read_values(uint64_t addr, float* dst, uint64_t n, DType t);

  const NpuConfig& config() const { return cfg_; }
  const SimOptions& options() const { return opt_; }
  MemoryTiming& memory() { return *mem_; }
  uint64_t now_cycles() const { return now_; }
  double now_ns() const { return now_ / cfg_.clock_ghz(); }
  const std::vector<CoreStats>& core_stats() const { return stats_; }
  CoreStats total_stats() const { return sum_stats(stats_); }
  const std::vector<OpRecord>& ops() const { return ops_; }
  Energy energy() const;
  // Per-op and per-unit cycles, utilization, bytes, energy. Cycles in core clock cycles.
  nlohmann::json report() const;
  const ChromeTrace& trace() const { return trace_; }
  // Clears timelines, counters, trace and memory timing state (keeps off-chip data).
  void reset();

 private:
  struct CoreRun;
  void peek(CoreRun& cr) const;
  void commit(uint32_t core, CoreRun& cr, OpRecord& op);
  uint64_t dma_time(uint32_t core, const Instr& in, uint64_t start);
  // Tells the memory model the earliest time any core can still issue a transfer at.
  void retire_memory(const std::vector<CoreRun>& runs);

  NpuConfig cfg_;
  SimOptions opt_;
  std::shared_ptr<MemoryTiming> mem_;
  SimpleMemory* simple_ = nullptr;    // mem_, when it is the simple model (rows in one call)
  std::vector<double> row_issue_ns_;  // a DMA's row issue times, reused
  std::unique_ptr<FunctionalModel> func_;
  std::vector<CoreStats> stats_;
  std::vector<OpRecord> ops_;
  ChromeTrace trace_;
  uint64_t now_ = 0;
};

}  // namespace nuri::sim::npu
