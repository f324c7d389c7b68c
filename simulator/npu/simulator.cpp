#include "simulator/npu/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nuri/error.hpp"
#include "simulator/npu/scoreboard.h"
#include "simulator/npu/simple_memory.h"
#include "simulator/npu/timing.h"
#include "simulator/npu/validate.h"

namespace nuri::sim::npu {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
// Instructions between promises to the memory model that older state cannot matter: a
// within-run retire keeps the memory's interval list short on runs of many transfers.
constexpr size_t kRetireEvery = 256;

bool is_binary(VecOp op) {
  return op == VecOp::Add || op == VecOp::Sub || op == VecOp::Mul || op == VecOp::Max;
}

size_t accesses_of(const Instr& in, Access* out) {
  size_t n = 0;
  auto add = [&](const TileRef& t, bool w) { out[n++] = {t.space, region_of(t), w}; };
  switch (in.op) {
    case Opcode::DmaLoad:
    case Opcode::DmaStore:
      add(in.src0, false);
      add(in.dst, true);
      break;
    case Opcode::MatMul:
      add(in.src0, false);
      add(in.src1, false);
      add(in.dst, true);
      break;
    case Opcode::Vector:
      add(in.src0, false);
      if (is_binary(in.vop)) add(in.src1, false);
      add(in.dst, true);
      break;
    default:
      break;
  }
  return n;
}
}  // namespace

struct Simulator::CoreRun {
  const Program* prog = nullptr;
  size_t pc = 0;
  std::vector<uint64_t> engine_free;
  uint64_t floor = 0;     // nothing starts before (run start, fence, barrier)
  uint64_t last_end = 0;  // latest end of any instruction issued so far
  Scoreboard sb;
  // Cached decision for prog->instrs[pc].
  uint64_t start = kNever;
  uint32_t engine = 0;
  Access acc[3];
  size_t nacc = 0;
  size_t since_prune = 0;
  bool done() const { return pc >= prog->size(); }
  const Instr& cur() const { return prog->instrs[pc]; }
};

Simulator::Simulator(NpuConfig cfg, SimOptions opt, std::shared_ptr<MemoryTiming> memory)
    : cfg_(std::move(cfg)), opt_(opt), mem_(std::move(memory)), stats_(cfg_.cores) {
  validate_config(cfg_);
  if (!mem_) mem_ = std::make_shared<SimpleMemory>(cfg_.memory);
  simple_ = dynamic_cast<SimpleMemory*>(mem_.get());
  if (opt_.functional) func_ = std::make_unique<FunctionalModel>(cfg_);
  if (opt_.trace) {
    for (uint32_t c = 0; c < cfg_.cores; ++c) {
      trace_.name_process(static_cast<int>(c), fmt::format("{} core {}", cfg_.name, c));
      trace_.name_track(static_cast<int>(c), kEngineArray, "systolic array");
      trace_.name_track(static_cast<int>(c), kEngineVector, "vector unit");
      for (uint32_t d = 0; d < cfg_.dma.engines; ++d)
        trace_.name_track(static_cast<int>(c), static_cast<int>(kEngineDma0 + d),
                          fmt::format("dma {}", d));
    }
  }
}

void Simulator::peek(CoreRun& cr) const {
  const Instr& in = cr.cur();
  if (in.op == Opcode::Barrier) {
    cr.start = kNever;
    return;
  }
  if (in.op == Opcode::Fence) {
    cr.start = std::max(cr.floor, cr.last_end);
    return;
  }
  uint32_t e = kEngineArray;
  if (in.op == Opcode::Vector) {
    e = kEngineVector;
  } else if (in.op == Opcode::DmaLoad || in.op == Opcode::DmaStore) {
    e = kEngineDma0;  // the DMA engine that frees up first
    for (uint32_t d = 1; d < cfg_.dma.engines; ++d)
      if (cr.engine_free[kEngineDma0 + d] < cr.engine_free[e]) e = kEngineDma0 + d;
  }
  cr.engine = e;
  cr.nacc = accesses_of(in, cr.acc);
  cr.start = std::max({cr.floor, cr.engine_free[e], cr.sb.ready(cr.acc, cr.nacc, e)});
}

uint64_t Simulator::dma_time(uint32_t core, const Instr& in, uint64_t start) {
  const bool store = in.op == Opcode::DmaStore;
  const TileRef& off = store ? in.dst : in.src0;
  const uint64_t es = dtype_size(off.dtype), total = off.bytes();
  auto& st = stats_[core];
  (store ? st.dram_write_bytes : st.dram_read_bytes) += total;
  st.sram_bytes += total;
  // SCALE-Sim's stall-free figures assume an ideal memory: operands are there when needed.
  if (cfg_.compat == Compat::ScaleSim) return start;
  const double ghz = cfg_.clock_ghz();
  const uint64_t engine_end = start + dma_engine_cycles(cfg_.dma, total);
  const uint64_t first = start + cfg_.dma.setup_cycles;
  double done_ns = 0;
  // One memory request per contiguous off-chip run, issued at the engine's own byte rate.
  const bool contiguous = off.rows == 1 || off.row_stride() == off.cols;
  const uint64_t seg = contiguous ? total : uint64_t{off.cols} * es;
  const uint64_t nseg = contiguous ? 1 : off.rows;
  const uint64_t stride = off.row_stride() * es;
  if (simple_) {  // the default memory takes the rows at once (the same figures, far quicker)
    // Row s issues at first + floor(s * seg / bpc), kept as quotient and remainder (no
    // division per row). Over a power-of-two clock in GHz (1 GHz) dividing and multiplying by
    // the reciprocal are both exact, so equal.
    const uint64_t bpc = cfg_.dma.bytes_per_cycle, step = seg / bpc, step_rem = seg % bpc;
    row_issue_ns_.resize(nseg);
    const auto fill = [&](auto to_ns) {
      uint64_t issue = first, rem = 0;
      for (uint64_t s = 0; s < nseg; ++s) {
        row_issue_ns_[s] = to_ns(issue);
        issue += step;
        rem += step_rem;
        if (rem >= bpc) {
          rem -= bpc;
          ++issue;
        }
      }
    };
    int exp = 0;
    if (std::frexp(ghz, &exp) == 0.5)
      fill([inv = 1 / ghz](uint64_t c) { return static_cast<double>(c) * inv; });
    else
      fill([ghz](uint64_t c) { return static_cast<double>(c) / ghz; });
    done_ns = simple_->transfer_rows(row_issue_ns_, off.addr, stride, seg, store);
  } else {
    for (uint64_t s = 0; s < nseg; ++s) {
      uint64_t issue = first + (s * seg) / cfg_.dma.bytes_per_cycle;
      done_ns = std::max(done_ns, mem_->transfer(issue / ghz, off.addr + s * stride, seg, store));
    }
  }
  auto mem_end = static_cast<uint64_t>(std::ceil(done_ns * ghz - 1e-9));
  return std::max(engine_end, mem_end);
}

void Simulator::commit(uint32_t core, CoreRun& cr, OpRecord& op) {
  const Instr& in = cr.cur();
  auto& st = stats_[core];
  if (in.op == Opcode::Fence) {
    cr.floor = std::max(cr.floor, cr.last_end);
    ++cr.pc;
    return;
  }
  if (func_) func_->execute(core, in);
  const uint64_t start = cr.start;
  uint64_t end = start, busy = 0;
  switch (in.op) {
    case Opcode::MatMul: {
      const uint64_t m = in.src0.rows, k = in.src0.cols, n = in.dst.cols;
      ArrayTiming t = matmul_timing(cfg_.array, m, k, n, cfg_.compat);
      end = start + t.latency;
      busy = t.occupancy;
      cr.engine_free[kEngineArray] = start + t.occupancy;
      st.array_busy_cycles += t.occupancy;
      (in.src0.dtype == DType::I8 ? st.macs_int8 : st.macs_bf16) += m * k * n;
      op.macs += m * k * n;
      st.sram_bytes += in.src0.bytes() + in.src1.bytes() + in.dst.bytes() * (in.accumulate ? 2 : 1);
      break;
    }
    case Opcode::Vector: {
      uint64_t moved = in.src0.bytes() + in.dst.bytes() + (is_binary(in.vop) ? in.src1.bytes() : 0);
      // SCALE-Sim models the array alone: an epilogue costs nothing there.
      const uint64_t cyc = cfg_.compat == Compat::ScaleSim
                               ? 0
                               : vector_cycles(cfg_, in.vop, in.src0.rows, in.src0.cols, moved);
      end = start + cyc;
      busy = cyc;
      cr.engine_free[kEngineVector] = end;
      st.vector_busy_cycles += cyc;
      st.vector_elems += in.src0.elems();
      op.vector_elems += in.src0.elems();
      st.sram_bytes += moved;
      break;
    }
    default: {  // DMA
      end = dma_time(core, in, start);
      busy = end - start;
      cr.engine_free[cr.engine] = end;
      st.dma_busy_cycles += busy;
      op.dram_bytes += in.src0.bytes();
      break;
    }
  }
  ++st.instrs;
  ++op.instrs;
  cr.sb.record(cr.acc, cr.nacc, cr.engine, end);
  cr.last_end = std::max(cr.last_end, end);
  if (opt_.trace) {
    const double us = 1.0 / cfg_.clock_mhz;
    std::string name = in.op == Opcode::Vector ? vec_op_name(in.vop) : opcode_name(in.op);
    nlohmann::json args = {{"op", op.label}, {"cycles", end - start}};
    if (busy != end - start) args["occupancy_cycles"] = busy;
    trace_.span(static_cast<int>(core), static_cast<int>(cr.engine), name, opcode_name(in.op),
                start * us, (end - start) * us, std::move(args));
  }
  if (++cr.since_prune >= 64) {
    cr.since_prune = 0;
    uint64_t t = kNever;
    for (uint64_t f : cr.engine_free) t = std::min(t, std::max(f, cr.floor));
    cr.sb.prune(t);
  }
  ++cr.pc;
}

void Simulator::retire_memory(const std::vector<CoreRun>& runs) {
  // A DMA starts no earlier than max(floor, its engine's free time), and both only grow, so
  // the earliest of those over every live core's DMA engines bounds every later issue time.
  uint64_t bound = kNever;
  for (const CoreRun& r : runs) {
    if (r.done()) continue;
    for (uint32_t d = 0; d < cfg_.dma.engines; ++d)
      bound = std::min(bound, std::max(r.floor, r.engine_free[kEngineDma0 + d]));
  }
  // The same conversion dma_time applies to an issue cycle, so the bound is exact in ns too.
  if (bound != kNever) mem_->retire_before(static_cast<double>(bound) / cfg_.clock_ghz());
}

RunResult Simulator::run(const std::vector<Program>& programs, const std::string& label) {
  if (programs.size() > cfg_.cores)
    throw Error(
        fmt::format("npu run '{}': {} programs for {} cores", label, programs.size(), cfg_.cores));
  // Validate everything before touching any state.
  const std::string no_where;
  size_t barriers = kNever;
  for (size_t c = 0; c < programs.size(); ++c) {
    size_t nb = 0;
    for (size_t i = 0; i < programs[c].size(); ++i) {
      const Instr& in = programs[c].instrs[i];
      if (in.op == Opcode::Barrier) ++nb;
      // Every message is "<where>: <why>"; <where> is formatted only when there is an error
      // (formatting it for each of millions of instructions cost a few percent of a run).
      try {
        validate_instr(cfg_, in, no_where);
      } catch (const Error& e) {
        throw Error(fmt::format("npu run '{}' core {} instr {} ({}){}", label, c, i,
                                opcode_name(in.op), e.what()),
                    e.status());
      }
    }
    if (programs[c].size() == 0) continue;
    if (barriers != kNever && nb != barriers)
      throw Error(fmt::format("npu run '{}': cores disagree on the number of barriers", label));
    barriers = nb;
  }

  OpRecord op;
  op.label = label;
  op.start_cycle = now_;
  mem_->retire_before(now_ns());  // nothing of this run issues before its start
  std::vector<CoreRun> runs(programs.size());
  for (size_t c = 0; c < programs.size(); ++c) {
    runs[c].prog = &programs[c];
    runs[c].engine_free.assign(kEngineDma0 + cfg_.dma.engines, now_);
    runs[c].floor = runs[c].last_end = now_;
    if (!runs[c].done()) peek(runs[c]);
  }
  // Advance the core whose next instruction starts first, so the shared memory sees requests
  // roughly in time order across cores.
  size_t since_retire = 0;
  for (;;) {
    size_t best = kNever;
    bool any_left = false;
    for (size_t c = 0; c < runs.size(); ++c) {
      if (runs[c].done()) continue;
      any_left = true;
      if (runs[c].start != kNever && (best == kNever || runs[c].start < runs[best].start)) best = c;
    }
    if (!any_left) break;
    if (best == kNever) {  // every live core waits at a barrier
      uint64_t t = 0;
      for (auto& r : runs)
        if (!r.done()) t = std::max({t, r.floor, r.last_end});
      for (auto& r : runs) {
        if (r.done()) continue;
        r.floor = r.last_end = t;
        r.sb.clear();
        ++r.pc;
        if (!r.done()) peek(r);
      }
      continue;
    }
    commit(static_cast<uint32_t>(best), runs[best], op);
    if (!runs[best].done()) peek(runs[best]);
    if (++since_retire >= kRetireEvery) {
      since_retire = 0;
      retire_memory(runs);
    }
  }
  uint64_t end = now_;
  for (const auto& r : runs) end = std::max(end, r.last_end);
  // SCALE-Sim reports a layer's cycles as the index of its last cycle, counted from 0.
  if (cfg_.compat == Compat::ScaleSim && end > now_) --end;
  op.end_cycle = end;
  now_ = end;
  ops_.push_back(op);
  return {op.start_cycle, op.end_cycle};
}

void Simulator::write_dram(uint64_t addr, const void* src, uint64_t bytes) {
  if (!func_) throw Error("npu simulator: write_dram needs functional mode");
  func_->write_dram(addr, src, bytes);
}

void Simulator::read_dram(uint64_t addr, void* dst, uint64_t bytes) {
  if (!func_) throw Error("npu simulator: read_dram needs functional mode");
  func_->read_dram(addr, dst, bytes);
}

void Simulator::write_values(uint64_t addr, const float* src, uint64_t n, DType t) {
  std::vector<uint8_t> buf(n * dtype_size(t));
  store_row(src, t, static_cast<uint32_t>(n), buf.data());
  write_dram(addr, buf.data(), buf.size());
}

void Simulator::read_values(uint64_t addr, float* dst, uint64_t n, DType t) {
  std::vector<uint8_t> buf(n * dtype_size(t));
  read_dram(addr, buf.data(), buf.size());
  load_row(buf.data(), t, static_cast<uint32_t>(n), dst);
}

Energy Simulator::energy() const {
  return energy_of(cfg_.energy, total_stats(), now_ns() * 1e-9);
}

nlohmann::json Simulator::report() const {
  const double ghz = cfg_.clock_ghz();
  const double cycles = static_cast<double>(now_);
  const uint64_t pes = uint64_t{cfg_.array.rows} * cfg_.array.cols;
  auto util = [&](double busy, double units) { return cycles > 0 ? busy / (cycles * units) : 0.0; };
  nlohmann::json cores = nlohmann::json::array();
  for (uint32_t c = 0; c < cfg_.cores; ++c) {
    const auto& s = stats_[c];
    cores.push_back({{"core", c},
                     {"array_busy_cycles", s.array_busy_cycles},
                     {"vector_busy_cycles", s.vector_busy_cycles},
                     {"dma_busy_cycles", s.dma_busy_cycles},
                     {"macs", s.macs()},
                     {"array_utilization", util(static_cast<double>(s.macs()), double(pes))},
                     {"array_busy_fraction", util(double(s.array_busy_cycles), 1)},
                     {"vector_utilization", util(double(s.vector_busy_cycles), 1)},
                     {"dma_utilization", util(double(s.dma_busy_cycles), cfg_.dma.engines)},
                     {"dram_read_bytes", s.dram_read_bytes},
                     {"dram_write_bytes", s.dram_write_bytes},
                     {"sram_bytes", s.sram_bytes},
                     {"instructions", s.instrs}});
  }
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& o : ops_)
    ops.push_back({{"label", o.label},
                   {"start_cycle", o.start_cycle},
                   {"end_cycle", o.end_cycle},
                   {"cycles", o.end_cycle - o.start_cycle},
                   {"macs", o.macs},
                   {"dram_bytes", o.dram_bytes},
                   {"vector_elems", o.vector_elems},
                   {"instructions", o.instrs}});
  CoreStats t = total_stats();
  Energy e = energy();
  double secs = now_ns() * 1e-9;
  return {
      {"device", cfg_.name},
      {"clock_domain", fmt::format("core clock {} MHz; all *_cycles fields", cfg_.clock_mhz)},
      {"mode", opt_.functional ? "functional+timing" : "timing-only"},
      {"total_cycles", now_},
      {"total_ns", now_ / ghz},
      {"memory", mem_->describe()},
      {"array_utilization", util(double(t.macs()), double(pes * cfg_.cores))},
      {"vector_utilization", util(double(t.vector_busy_cycles), cfg_.cores)},
      {"dma_utilization", util(double(t.dma_busy_cycles), double(cfg_.cores) * cfg_.dma.engines)},
      {"offchip",
       {{"read_bytes", t.dram_read_bytes},
        {"write_bytes", t.dram_write_bytes},
        {"achieved_gbps", secs > 0 ? (t.dram_read_bytes + t.dram_write_bytes) / (secs * 1e9) : 0},
        {"peak_gbps", mem_->peak_bytes_per_ns()}}},
      {"macs", t.macs()},
      {"energy_joules",
       {{"mac", e.mac},
        {"vector", e.vector},
        {"sram", e.sram},
        {"dram", e.dram},
        {"static", e.static_},
        {"total", e.total()}}},
      {"cores", cores},
      {"ops", ops},
  };
}

void Simulator::reset() {
  now_ = 0;
  stats_.assign(cfg_.cores, CoreStats{});
  ops_.clear();
  trace_ = ChromeTrace();
  mem_->reset();
}

}  // namespace nuri::sim::npu
