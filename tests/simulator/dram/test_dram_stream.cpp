// Sustained bandwidth of long sequential reads, and exactness of the fast-forward path.
#include <gtest/gtest.h>

#include "simulator/dram/dram.h"
#include "simulator/dram/dram_memory_timing.h"

using namespace nuri::sim::dram;

namespace {
// Upper bound on the bus time a refresh steals from a stream: the refresh itself (tRFC), the
// precharge before it (tRP, after at most tRAS/tRTP of a just-opened row), and re-opening the
// next rows (tRCD + CL before data flows again). Per tREFI interval.
double refresh_loss_bound(const DramConfig& c) {
  const DramTiming& t = c.t;
  return double(t.tRFC + t.tRP + t.tRAS + t.tRCD + t.CL) / double(t.tREFI);
}
}  // namespace

class SustainedBandwidth : public ::testing::TestWithParam<const char*> {};

TEST_P(SustainedBandwidth, WithinRefreshMarginOfPeakAndNeverAbove) {
  DramConfig c = DramConfig::preset(GetParam());
  Dram d(c);
  const uint64_t bytes = 8ull << 20;
  const int64_t done = d.stream(0, 0, bytes, false);
  const double ns = double(done) * c.t.tck_ns;
  const double bw = double(bytes) / ns;
  const double peak = c.peak_bytes_per_ns();
  // Startup latency (tRCD + CL) is a few ns out of hundreds of microseconds: within 0.5%.
  EXPECT_LE(bw, peak);
  EXPECT_GE(bw, peak * (1.0 - refresh_loss_bound(c) - 0.005)) << "peak " << peak;
  // Refresh-free: the stream runs at peak but for the startup and row switches (< 1%).
  Dram nr(c, 32, false);
  const double bw_nr = double(bytes) / (double(nr.stream(0, 0, bytes, false)) * c.t.tck_ns);
  EXPECT_LE(bw_nr, peak);
  EXPECT_GE(bw_nr, 0.99 * peak);
  const DramStats s = d.stats();
  EXPECT_EQ(s.totals.bytes_read, bytes);
  EXPECT_GT(s.row_hit_rate(), 0.9);
}

INSTANTIATE_TEST_SUITE_P(Presets, SustainedBandwidth,
                         ::testing::Values("HBM2", "HBM3", "GDDR6", "LPDDR5"));

// The fast-forward path must give exactly what the plain FR-FCFS path gives.
TEST(DramStream, FastForwardIsExact) {
  for (bool refresh : {false, true}) {
    DramConfig c = DramConfig::preset("HBM2");
    AddressMap map(c.org);
    const uint64_t n = 40 * map.bursts_per_period() + 77;
    Channel a(c, refresh), b(c, refresh);
    UnitScheduler sa(a), sb(b);
    const int64_t fast = sa.run_stream(map, 0, 5, n, false, 0);
    std::vector<UnitBurst> bursts;
    for (uint64_t i = 5; i < 5 + n; ++i) {
      DramAddress x = map.decode_local(0, i);
      bursts.push_back({x.bank, x.row, false, 0, 0});
    }
    std::vector<int64_t> done(1, 0);
    sb.run(bursts, done);
    EXPECT_EQ(fast, done[0]) << "refresh " << refresh;
    EXPECT_EQ(a.counters().cmds, b.counters().cmds);
    EXPECT_EQ(a.counters().row_hits, b.counters().row_hits);
    if (!refresh) {
      EXPECT_GT(sa.periods_skipped(), 0u);
    }
  }
}

TEST(DramMemoryTimingAdapter, SingleBurstLatencyAndBandwidthBound) {
  DramMemoryTiming m(DramConfig::preset("HBM2"));
  // One 32 B read at t = 0: ACT 0, RD 17, last beat 36 tCK = 30 ns.
  EXPECT_NEAR(m.transfer(0.0, 0, 32, false), 36 * 0.8333333333333334, 1e-9);
  m.reset();
  const double t = m.transfer(0.0, 0, 4u << 20, false);
  EXPECT_GE(t, double(4u << 20) / m.peak_bytes_per_ns());
  EXPECT_EQ(m.stats().read_bytes, 4u << 20);
  EXPECT_EQ(m.stats().transfers, 1u);
}
