// With "compat": "scale-sim" a GEMM tiled by the device tiler and run on the simulator takes
// exactly SCALE-Sim v2's stall-free cycle count (scalesim/compute/systolic_compute_{os,ws,is}.py,
// derived in simulator/npu/README.md "SCALE-Sim compatibility"):
//   OS: ceil(M/R) ceil(N/C) (K + R + C - 2) - 1
//   WS: ceil(K/R) ceil(N/C) (2R + C + M - 2) - 1
//   IS: ceil(K/R) ceil(M/C) (2R + C + N - 2) - 1
// over a sweep of shapes (multiples of the array and not) and array sizes (square and not).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "nuri/error.hpp"

#include "devices/npu/tiling/gemm_tiler.h"
#include "simulator/npu/simulator.h"
#include "simulator/npu/timing.h"
#include "tests/simulator/npu/npu_test_util.h"

namespace nuri::npu {
namespace {

using sim::ceil_div;
using sim::Dataflow;
using sim::DType;

uint64_t scalesim_closed_form(Dataflow df, uint64_t r, uint64_t c, uint64_t m, uint64_t n,
                              uint64_t k) {
  switch (df) {
    case Dataflow::OutputStationary:
      return ceil_div(m, r) * ceil_div(n, c) * (k + r + c - 2) - 1;
    case Dataflow::WeightStationary:
      return ceil_div(k, r) * ceil_div(n, c) * (2 * r + c + m - 2) - 1;
    case Dataflow::InputStationary:
      return ceil_div(k, r) * ceil_div(m, c) * (2 * r + c + n - 2) - 1;
  }
  return 0;
}

sim::NpuConfig compat_cfg(uint32_t rows, uint32_t cols, Dataflow df) {
  auto c = sim::testing::tiny_config(rows, cols, df);
  c.compat = sim::Compat::ScaleSim;
  c.spm.size_bytes = 64ull << 20;  // whole operands on chip: SCALE-Sim does not tile memory
  c.acc.size_bytes = 16ull << 20;
  sim::validate_config(c);
  return c;
}

TEST(ScaleSimCompat, GemmMatchesClosedFormsOverASweep) {
  struct Dims {
    uint32_t m, n, k;
  };
  const Dims shapes[] = {{1, 1, 1},    {7, 5, 3},     {16, 16, 16}, {33, 17, 9},
                         {64, 48, 80}, {100, 30, 70}, {1, 256, 64}, {128, 8, 200}};
  const std::pair<uint32_t, uint32_t> arrays[] = {{4, 4}, {8, 4}, {4, 8}, {16, 16}, {32, 8}};
  size_t checked = 0;
  for (Dataflow df :
       {Dataflow::OutputStationary, Dataflow::WeightStationary, Dataflow::InputStationary})
    for (auto [r, c] : arrays)
      for (const Dims& d : shapes)
        for (DType out : {DType::BF16, DType::F32}) {  // bf16: the copy epilogue is free too
          const auto cfg = compat_cfg(r, c, df);
          GemmSpec s;
          s.m = d.m, s.n = d.n, s.k = d.k;
          s.out_dtype = out;
          s.b_addr = 1 << 24, s.c_addr = 2 << 24;
          sim::Simulator simu(cfg, {.functional = false});
          const uint64_t cyc = simu.run(emit_gemm(cfg, s)).cycles();
          EXPECT_EQ(cyc, scalesim_closed_form(df, r, c, d.m, d.n, d.k)) << fmt::format(
              "{} {}x{} array, M={} N={} K={}", sim::dataflow_name(df), r, c, d.m, d.n, d.k);
          ++checked;
        }
  EXPECT_EQ(checked, 3u * 5 * 8 * 2);
}

// Against Nuri's default on one fold of WS (R = C = 4, M = 8): SCALE-Sim's 17 is the index of
// the last cycle of the 18 Nuri counts; OS adds Nuri's R-cycle drain (k = 8: 13 vs 18).
TEST(ScaleSimCompat, DiffersFromTheDefaultByConventionAndDrain) {
  for (auto [df, nuri, scalesim] : {std::tuple{Dataflow::WeightStationary, 18u, 17u},
                                    std::tuple{Dataflow::OutputStationary, 18u, 13u}}) {
    auto def = sim::testing::tiny_config(4, 4, df);
    auto compat = def;
    compat.compat = sim::Compat::ScaleSim;
    sim::Program p;
    p.push(sim::matmul(
        sim::tile(sim::Space::Acc, 0, df == Dataflow::WeightStationary ? 8 : 4, 4, DType::F32),
        sim::tile(sim::Space::Spm, 0, df == Dataflow::WeightStationary ? 8 : 4,
                  df == Dataflow::WeightStationary ? 4 : 8, DType::BF16),
        sim::tile(sim::Space::Spm, 4096, df == Dataflow::WeightStationary ? 4 : 8, 4, DType::BF16),
        false));
    sim::Simulator a(def, {.functional = false}), b(compat, {.functional = false});
    EXPECT_EQ(a.run({p}).cycles(), nuri) << sim::dataflow_name(df);
    EXPECT_EQ(b.run({p}).cycles(), scalesim) << sim::dataflow_name(df);
  }
}

TEST(ScaleSimCompat, RejectsSeveralCores) {
  auto c = compat_cfg(4, 4, Dataflow::WeightStationary);
  c.cores = 2;
  try {
    sim::validate_config(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("npu.compat"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nuri::npu
