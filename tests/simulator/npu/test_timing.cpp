// Simulated cycles equal the closed forms derived by hand in simulator/npu/README.md.
// All figures are core clock cycles; the tiny config runs at 1 GHz so 1 cycle = 1 ns.
#include <gtest/gtest.h>

#include "nuri/error.hpp"
#include "simulator/npu/simulator.h"
#include "simulator/npu/timing.h"
#include "tests/simulator/npu/npu_test_util.h"

namespace nuri::sim::npu {
namespace {

using testing::tiny_config;

// n matmul tiles back to back on operands already in spm (timing only: no data).
uint64_t run_tiles(const NpuConfig& cfg, uint32_t n, uint32_t m, uint32_t k, uint32_t cols,
                   bool same_c) {
  Simulator sim(cfg, {.functional = false});
  Program p;
  for (uint32_t i = 0; i < n; ++i) {
    TileRef a = tile(Space::Spm, 0, m, k, DType::BF16);
    TileRef b = tile(Space::Spm, 4096, k, cols, DType::BF16);
    TileRef c = tile(Space::Acc, same_c ? 0 : i * 4096, m, cols, DType::F32);
    p.push(matmul(c, a, b, same_c && i > 0));
  }
  return sim.run({p}).cycles();
}

TEST(NpuTiming, WeightStationarySingleTile) {
  // preload R + stream M + skew R + C - 2 = 4 + 8 + 4 + 4 - 2
  EXPECT_EQ(run_tiles(tiny_config(4, 4), 1, 8, 4, 4, false), 18u);
  // Non-square 4 x 6 array, M = 3: 4 + 3 + 4 + 6 - 2
  EXPECT_EQ(run_tiles(tiny_config(4, 6), 1, 3, 4, 6, false), 15u);
}

TEST(NpuTiming, WeightStationaryMultiTile) {
  // Pipelined: tiles issue every max(M, R) cycles; the last adds the full latency.
  // 3 tiles, M = 8 > R: 2 * 8 + 18 = 34, whether or not they accumulate into one C.
  EXPECT_EQ(run_tiles(tiny_config(4, 4), 3, 8, 4, 4, false), 34u);
  EXPECT_EQ(run_tiles(tiny_config(4, 4), 3, 8, 4, 4, true), 34u);
  // M = 2 < R: the weight preload (R = 4) limits the issue interval: 2 * 4 + (4+2+4+4-2) = 20.
  EXPECT_EQ(run_tiles(tiny_config(4, 4), 3, 2, 4, 4, false), 20u);
  // Not pipelined: every tile pays its whole latency: 3 * 18.
  EXPECT_EQ(run_tiles(tiny_config(4, 4, Dataflow::WeightStationary, false), 3, 8, 4, 4, false),
            54u);
}

TEST(NpuTiming, OutputStationarySingleAndMultiTile) {
  const auto os = tiny_config(4, 4, Dataflow::OutputStationary);
  // stream K + skew R + C - 2 + drain R = 8 + 4 + 4 - 2 + 4
  EXPECT_EQ(run_tiles(os, 1, 4, 8, 4, false), 18u);
  // Pipelined: issue every max(K, R): 2 * 8 + 18; K = 2: 2 * 4 + (2 + 6 + 4) = 20.
  EXPECT_EQ(run_tiles(os, 3, 4, 8, 4, false), 34u);
  EXPECT_EQ(run_tiles(os, 3, 4, 2, 4, false), 20u);
  EXPECT_EQ(run_tiles(tiny_config(4, 4, Dataflow::OutputStationary, false), 3, 4, 8, 4, false),
            54u);
}

// n input-stationary tiles: A[m x k] stays (k over rows, m over columns), n B columns stream.
uint64_t run_is_tiles(const NpuConfig& cfg, uint32_t tiles, uint32_t m, uint32_t k, uint32_t n) {
  Simulator sim(cfg, {.functional = false});
  Program p;
  for (uint32_t i = 0; i < tiles; ++i)
    p.push(matmul(tile(Space::Acc, i * 4096, m, n, DType::F32),
                  tile(Space::Spm, 0, m, k, DType::BF16), tile(Space::Spm, 4096, k, n, DType::BF16),
                  false));
  return sim.run({p}).cycles();
}

TEST(NpuTiming, InputStationarySingleAndMultiTile) {
  // Preload the A tile R + stream N + skew R + C - 2 = 4 + 8 + 4 + 4 - 2
  EXPECT_EQ(run_is_tiles(tiny_config(4, 4, Dataflow::InputStationary), 1, 4, 4, 8), 18u);
  // 4 x 6 array: A may be 6 rows of M over the columns; N = 3: 4 + 3 + 4 + 6 - 2
  EXPECT_EQ(run_is_tiles(tiny_config(4, 6, Dataflow::InputStationary), 1, 6, 4, 3), 15u);
  // Pipelined: every max(N, R): 2 * 8 + 18; N = 2: 2 * 4 + (4 + 2 + 4 + 4 - 2) = 20.
  EXPECT_EQ(run_is_tiles(tiny_config(4, 4, Dataflow::InputStationary), 3, 4, 4, 8), 34u);
  EXPECT_EQ(run_is_tiles(tiny_config(4, 4, Dataflow::InputStationary), 3, 4, 4, 2), 20u);
  EXPECT_EQ(run_is_tiles(tiny_config(4, 4, Dataflow::InputStationary, false), 3, 4, 4, 8), 54u);
}

TEST(NpuTiming, InputStationaryRejectsMBeyondColumns) {
  Simulator sim(tiny_config(4, 4, Dataflow::InputStationary), {.functional = false});
  Program p;
  p.push(matmul(tile(Space::Acc, 0, 5, 8, DType::F32), tile(Space::Spm, 0, 5, 4, DType::BF16),
                tile(Space::Spm, 4096, 4, 8, DType::BF16), false));
  EXPECT_THROW(sim.run({p}, "is"), Error);
}

Program small_gemm();

// SCALE-Sim v2 per fold (its demand matrices: prefix + streamed rows + suffix, then skewed):
//  WS 2R + C + M - 2, OS K + R + C - 2, IS 2R + C + N - 2; folds back to back; the run
//  reports the last cycle's index (cycles - 1). R = C = 4.
TEST(NpuTiming, ScaleSimCompatPerFold) {
  auto compat = [](Dataflow df) {
    auto c = tiny_config(4, 4, df);
    c.compat = Compat::ScaleSim;
    return c;
  };
  // WS, M = 8: 8 + 4 + 8 - 2 = 18 per fold; 1 fold -> 17, 3 folds -> 53.
  EXPECT_EQ(run_tiles(compat(Dataflow::WeightStationary), 1, 8, 4, 4, false), 17u);
  EXPECT_EQ(run_tiles(compat(Dataflow::WeightStationary), 3, 8, 4, 4, true), 53u);
  // OS, K = 8: 8 + 4 + 4 - 2 = 14 (no separate R-cycle drain); 3 folds -> 41.
  EXPECT_EQ(run_tiles(compat(Dataflow::OutputStationary), 1, 4, 8, 4, false), 13u);
  EXPECT_EQ(run_tiles(compat(Dataflow::OutputStationary), 3, 4, 8, 4, false), 41u);
  // IS, N = 8: 18 per fold; 3 folds -> 53.
  EXPECT_EQ(run_is_tiles(compat(Dataflow::InputStationary), 3, 4, 4, 8), 53u);
  // Memory and the vector unit are free: a load, the fold, a copy and a store cost the fold.
  Simulator sim(compat(Dataflow::WeightStationary), {.functional = false});
  Program p = small_gemm();
  p.push(vector_unary(VecOp::Copy, tile(Space::Spm, 1024, 8, 4, DType::BF16),
                      tile(Space::Acc, 0, 8, 4, DType::F32)));
  EXPECT_EQ(sim.run({p}).cycles(), 17u);
}

// Load A (8x4 bf16 = 64 B), load B (4x4 bf16 = 32 B), matmul, store C (8x4 f32 = 128 B).
Program small_gemm() {
  Program p;
  p.push(dma_load(tile(Space::Spm, 0, 8, 4, DType::BF16), tile(Space::Dram, 0, 8, 4, DType::BF16)));
  p.push(dma_load(tile(Space::Spm, 256, 4, 4, DType::BF16),
                  tile(Space::Dram, 4096, 4, 4, DType::BF16)));
  p.push(matmul(tile(Space::Acc, 0, 8, 4, DType::F32), tile(Space::Spm, 0, 8, 4, DType::BF16),
                tile(Space::Spm, 256, 4, 4, DType::BF16), false));
  p.push(
      dma_store(tile(Space::Dram, 8192, 8, 4, DType::F32), tile(Space::Acc, 0, 8, 4, DType::F32)));
  return p;
}

TEST(NpuTiming, GemmWithDmaOneEngine) {
  // Memory: 16 B/ns, 100 ns latency. DMA: 10 setup cycles, 64 B/cycle.
  //  load A: issue at 10, server 10..14, done 114            -> ends 114
  //  load B: same engine, starts 114, issue 124, server 124..126, done 226
  //  matmul: waits for both loads: 226 + (4 + 8 + 4 + 4 - 2) = 244
  //  store:  waits for C: issue 254, server 254..262, done 362
  Simulator sim(tiny_config(), {.functional = false});
  EXPECT_EQ(sim.run({small_gemm()}).cycles(), 362u);
}

TEST(NpuTiming, GemmWithDmaTwoEnginesOverlap) {
  //  load A on engine 0: server 10..14, done 114; load B on engine 1: issue 10, queues
  //  behind A: server 14..16, done 116; matmul 116..134; store: issue 144, server 144..152,
  //  done 252.
  auto cfg = tiny_config();
  cfg.dma.engines = 2;
  Simulator sim(cfg, {.functional = false});
  EXPECT_EQ(sim.run({small_gemm()}).cycles(), 252u);
}

TEST(NpuTiming, DoubleBufferingOverlapsLoadWithCompute) {
  // Two independent (load, matmul) pairs into separate buffers: the second load runs while
  // the first matmul computes. Large M makes compute the long pole:
  //  load A0 (64x4 bf16 = 512 B): issue 10, server 10..42, done 142; load A1 on engine 0:
  //  starts 142, issue 152, server 152..184, done 284.
  //  matmul 0: 142 + (4 + 64 + 4 + 4 - 2 = 74) = 216, occupancy max(64, 4) = 64 -> array
  //  free at 206; matmul 1: max(284, 206) = 284 -> 358.
  Simulator sim(tiny_config(), {.functional = false});
  Program p;
  for (int i = 0; i < 2; ++i)
    p.push(dma_load(tile(Space::Spm, i * 1024, 64, 4, DType::BF16),
                    tile(Space::Dram, i * 1024, 64, 4, DType::BF16)));
  for (int i = 0; i < 2; ++i)
    p.push(matmul(tile(Space::Acc, i * 2048, 64, 4, DType::F32),
                  tile(Space::Spm, i * 1024, 64, 4, DType::BF16),
                  tile(Space::Spm, 8192, 4, 4, DType::BF16), false));
  EXPECT_EQ(sim.run({p}).cycles(), 358u);
}

TEST(NpuTiming, VectorOpCycles) {
  // 4 lanes, latency 2, SPM port 4 banks x 4 B = 16 B/cycle.
  //  exp over 3 x 10 f32: compute 3 * ceil(10/4) * 4 = 36; port ceil(240 / 16) = 15 -> 38.
  //  row_sum: 3 * ceil(10/4) * 1 + 3 * log2(4) = 15; port ceil((120 + 12) / 16) = 9 -> 17.
  //  add 3 x 10 f32 + f32: compute 9, port ceil(360 / 16) = 23 -> 25 (port bound).
  auto cfg = tiny_config();
  EXPECT_EQ(vector_cycles(cfg, VecOp::Exp, 3, 10, 240), 38u);
  Simulator sim(cfg, {.functional = false});
  TileRef x = tile(Space::Spm, 0, 3, 10, DType::F32);
  Program p;
  p.push(vector_unary(VecOp::Exp, tile(Space::Spm, 1024, 3, 10, DType::F32), x));
  EXPECT_EQ(sim.run({p}).cycles(), 38u);
  Program q;
  q.push(vector_unary(VecOp::RowSum, tile(Space::Spm, 1024, 3, 1, DType::F32), x));
  EXPECT_EQ(sim.run({q}).cycles(), 17u);
  Program r;
  r.push(vector_binary(VecOp::Add, tile(Space::Spm, 2048, 3, 10, DType::F32), x, x));
  EXPECT_EQ(sim.run({r}).cycles(), 25u);
}

TEST(NpuTiming, RunsChainAndBarrierSynchronisesCores) {
  auto cfg = tiny_config();
  cfg.cores = 2;
  Simulator sim(cfg, {.functional = false});
  // Core 0: one 18-cycle tile then barrier then one more; core 1: barrier then one tile.
  TileRef a = tile(Space::Spm, 0, 8, 4, DType::BF16), b = tile(Space::Spm, 4096, 4, 4, DType::BF16);
  TileRef c = tile(Space::Acc, 0, 8, 4, DType::F32);
  Program p0, p1;
  p0.push(matmul(c, a, b, false));
  p0.push(barrier());
  p0.push(matmul(c, a, b, false));
  p1.push(barrier());
  p1.push(matmul(c, a, b, false));
  RunResult r = sim.run({p0, p1}, "first");
  EXPECT_EQ(r.start_cycle, 0u);
  EXPECT_EQ(r.cycles(), 36u);  // 18 before the barrier, 18 after on both cores
  RunResult r2 = sim.run({p1}, "second");
  EXPECT_EQ(r2.start_cycle, 36u);
  EXPECT_EQ(r2.cycles(), 18u);
}

TEST(NpuTiming, RejectsOversizedTile) {
  Simulator sim(tiny_config(), {.functional = false});
  Program p;
  p.push(matmul(tile(Space::Acc, 0, 8, 4, DType::F32), tile(Space::Spm, 0, 8, 5, DType::BF16),
                tile(Space::Spm, 4096, 5, 4, DType::BF16), false));
  try {
    sim.run({p}, "big");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exceeds the 4x4 array"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("instr 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nuri::sim::npu
