// JSON report and Chrome trace are well-formed and agree with the counters; energy follows
// the documented formula.
#include <gtest/gtest.h>

#include <set>

#include "devices/npu/tiling/gemm_tiler.h"
#include "devices/npu/tiling/row_ops.h"
#include "simulator/npu/simulator.h"
#include "tests/simulator/npu/npu_test_util.h"

namespace nuri::npu {
namespace {

TEST(NpuReport, ReportAndTraceAreWellFormed) {
  auto cfg = sim::testing::tiny_config(8, 8);
  cfg.cores = 2;
  cfg.dma.engines = 2;
  sim::Simulator simu(cfg, {.functional = false, .trace = true});
  GemmSpec g;
  g.m = 64, g.n = 48, g.k = 40;
  g.b_addr = 1 << 20, g.c_addr = 2 << 20;
  simu.run(emit_gemm(cfg, g), "fc1");
  RowOpSpec r;
  r.op = RowOp::Softmax;
  r.rows = 64, r.cols = 48;
  r.x_addr = 2 << 20, r.out_addr = 3 << 20;
  simu.run(emit_row_op(cfg, r), "softmax");

  // The report survives a dump/parse round trip and carries consistent figures.
  const nlohmann::json rep = nlohmann::json::parse(simu.report().dump());
  EXPECT_EQ(rep["total_cycles"].get<uint64_t>(), simu.now_cycles());
  EXPECT_EQ(rep["macs"].get<uint64_t>(), 64ull * 48 * 40);
  ASSERT_EQ(rep["ops"].size(), 2u);
  EXPECT_EQ(rep["ops"][0]["label"], "fc1");
  EXPECT_EQ(rep["ops"][0]["end_cycle"], rep["ops"][1]["start_cycle"]);
  EXPECT_EQ(rep["ops"][1]["end_cycle"].get<uint64_t>(), simu.now_cycles());
  ASSERT_EQ(rep["cores"].size(), 2u);
  for (const auto& c : rep["cores"]) {
    EXPECT_GE(c["array_utilization"].get<double>(), 0.0);
    EXPECT_LE(c["array_utilization"].get<double>(), 1.0);
    EXPECT_LE(c["dma_utilization"].get<double>(), 1.0);
  }
  // Off-chip bytes: GEMM reads at least A and B once and writes C once (bf16); softmax reads
  // and writes 64 x 48 bf16 exactly once.
  const uint64_t rd = rep["offchip"]["read_bytes"], wr = rep["offchip"]["write_bytes"];
  EXPECT_GE(rd, (64ull * 40 + 40ull * 48) * 2 + 64ull * 48 * 2);
  EXPECT_EQ(wr, 64ull * 48 * 2 * 2);

  // Energy = MACs * pJ/MAC + vector elems * pJ + SRAM bytes * pJ + DRAM bytes * pJ + P * t.
  const sim::CoreStats t = simu.total_stats();
  const double expect = 1e-12 * (t.macs_bf16 * 0.4 + t.vector_elems * 0.5 + t.sram_bytes * 0.5 +
                                 (t.dram_read_bytes + t.dram_write_bytes) * 20.0) +
                        1.0 * simu.now_ns() * 1e-9;
  EXPECT_NEAR(rep["energy_joules"]["total"].get<double>(), expect, expect * 1e-12);
  // GEMM: one bf16 conversion (copy) of C. Softmax: row_max, sub, exp, row_sum, mul over
  // 64 x 48 and recip over the 64 x 1 column.
  EXPECT_EQ(t.vector_elems, 64ull * 48 + 64ull * 48 * 5 + 64);
  // Trace: parseable, one process per core, spans within the simulated time.
  const nlohmann::json tr = nlohmann::json::parse(simu.trace().to_json().dump());
  std::set<int> pids;
  size_t spans = 0;
  for (const auto& e : tr["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") pids.insert(e["pid"].get<int>());
    if (e["ph"] != "X") continue;
    ++spans;
    EXPECT_GE(e["dur"].get<double>(), 0.0);
    EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(), simu.now_ns() / 1000.0 + 1e-9);
  }
  EXPECT_EQ(pids, (std::set<int>{0, 1}));
  EXPECT_EQ(spans, t.instrs);
}

}  // namespace
}  // namespace nuri::npu
