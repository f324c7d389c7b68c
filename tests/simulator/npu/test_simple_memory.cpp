// SimpleMemory serves transfers in issue-time order (README.md "SimpleMemory"): a transfer that
// reaches the model late but was issued early takes the idle time before later transfers.
// 16 B/ns, 100 ns latency (tiny_config's memory).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nuri/error.hpp"
#include "simulator/npu/simple_memory.h"
#include "simulator/npu/simulator.h"
#include "tests/simulator/npu/npu_test_util.h"

namespace nuri::sim::npu {
namespace {

using testing::tiny_config;

TEST(SimpleMemory, IsolatedTransferCostsLatencyPlusBytesOverBandwidth) {
  SimpleMemory m(tiny_config().memory);
  EXPECT_DOUBLE_EQ(m.transfer(5, 0, 64, false), 5 + 4 + 100);
}

TEST(SimpleMemory, QueuesBehindEarlierIssuedTransfers) {
  SimpleMemory m(tiny_config().memory);
  EXPECT_DOUBLE_EQ(m.transfer(0, 0, 160, false), 110);   // busy 0..10
  EXPECT_DOUBLE_EQ(m.transfer(2, 1024, 32, true), 112);  // waits: 10..12
}

TEST(SimpleMemory, LaterCommittedButEarlierIssuedTransferFillsIdleTime) {
  SimpleMemory m(tiny_config().memory);
  // A store issued at 100 (busy 100..104) reaches the model first ...
  EXPECT_DOUBLE_EQ(m.transfer(100, 0, 64, true), 204);
  // ... then a prefetch issued at 10 is served at 10..12, not behind the store.
  EXPECT_DOUBLE_EQ(m.transfer(10, 4096, 32, false), 112);
  // One issued at 98 needing 8 ns takes 98..100, waits out the store, then 104..110.
  EXPECT_DOUBLE_EQ(m.transfer(98, 8192, 128, false), 210);
  // From 0 the idle time runs 0..10: exactly the 10 ns needed.
  EXPECT_DOUBLE_EQ(m.transfer(0, 16384, 160, false), 110);
  // Everything up to 110 is now busy except 12..98: 2 ns at 11 start at 12.
  EXPECT_DOUBLE_EQ(m.transfer(11, 20480, 32, false), 114);
  const auto st = m.stats();
  EXPECT_EQ(st.read_bytes, 32u + 128 + 160 + 32);
  EXPECT_EQ(st.write_bytes, 64u);
  EXPECT_EQ(st.transfers, 5u);
}

TEST(SimpleMemory, RetiredHistoryDoesNotChangeLaterTransfers) {
  SimpleMemory a(tiny_config().memory), b(tiny_config().memory);
  for (SimpleMemory* m : {&a, &b}) m->transfer(0, 0, 160, false);  // busy 0..10
  b.retire_before(20);
  EXPECT_DOUBLE_EQ(a.transfer(30, 0, 16, false), b.transfer(30, 0, 16, false));
}

// The program-order bug this fixes: one core stores tile 0 and then prefetches tile 1.
//  load A0 (64 B, engine 0): issue 10, served 10..14, done 114; matmul 114..132 (WS 8x4x4:
//  4 + 8 + 4 + 4 - 2 = 18); store C0 (128 B f32) on engine 1 (free first): waits for the
//  matmul, issue 142, served 142..150, done 250. load A1 (independent buffer) on engine 0 (free
//  at 114): issue 124, served 124..128, done 228. End 250. Serving in program order put A1
//  behind the store (150..154, done 254).
TEST(SimpleMemory, PrefetchCommittedAfterAStoreIsNotDelayedByIt) {
  auto cfg = tiny_config();
  cfg.dma.engines = 2;
  Simulator sim(cfg, {.functional = false});
  Program p;
  const TileRef b = tile(Space::Spm, 512, 4, 4, DType::BF16);  // weights assumed resident
  p.push(dma_load(tile(Space::Spm, 0, 8, 4, DType::BF16), tile(Space::Dram, 0, 8, 4, DType::BF16)));
  p.push(matmul(tile(Space::Acc, 0, 8, 4, DType::F32), tile(Space::Spm, 0, 8, 4, DType::BF16), b,
                false));
  p.push(
      dma_store(tile(Space::Dram, 8192, 8, 4, DType::F32), tile(Space::Acc, 0, 8, 4, DType::F32)));
  p.push(dma_load(tile(Space::Spm, 1024, 8, 4, DType::BF16),
                  tile(Space::Dram, 4096, 8, 4, DType::BF16)));
  EXPECT_EQ(sim.run({p}).cycles(), 250u);
}

// transfer_rows is the per-row loop done at once: over interleaved trains (rows landing past
// every interval, inside the last one, in gaps between earlier trains, straddling several), its
// completions, the intervals it leaves (seen through later transfers) and the stats are those
// of one transfer() per row, to the bit. Issue times step by thirds of a ns so sums round.
TEST(SimpleMemory, RowsAtOnceEqualOneTransferPerRow) {
  SimpleMemory rows(tiny_config().memory), single(tiny_config().memory);
  uint64_t seed = 12345;
  const auto next = [&seed](uint64_t n) {  // a fixed LCG: the same trains every run
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  std::vector<double> issue;
  double start = 0;
  for (int train = 0; train < 400; ++train) {
    start += static_cast<double>(next(40)) / 3.0;  // trains overlap in time
    const uint64_t n = 1 + next(12), bytes = 8 * (1 + next(16)), stride = 256;
    const double gap = static_cast<double>(next(9)) / 3.0;  // 0: rows issued at once
    issue.assign(n, 0);
    for (uint64_t r = 0; r < n; ++r) issue[r] = start + static_cast<double>(r) * gap;
    const bool write = next(2) == 1;
    double expect = 0;
    for (uint64_t r = 0; r < n; ++r)
      expect = std::max(expect, single.transfer(issue[r], 4096 + r * stride, bytes, write));
    const double got = rows.transfer_rows(issue, 4096, stride, bytes, write);
    ASSERT_EQ(got, expect) << "train " << train;  // bit for bit, not within a tolerance
    if (train % 50 == 49) {
      rows.retire_before(start - 30);
      single.retire_before(start - 30);
    }
  }
  EXPECT_EQ(rows.stats().transfers, single.stats().transfers);
  EXPECT_EQ(rows.stats().read_bytes, single.stats().read_bytes);
  EXPECT_EQ(rows.stats().write_bytes, single.stats().write_bytes);
  EXPECT_EQ(rows.transfer(start, 0, 16, false), single.transfer(start, 0, 16, false));
}

// The model as README.md states it, one transfer at a time: the busy intervals in a std::map,
// each transfer looked up afresh and merged with what it touches (the implementation before
// the one-pass rows). SimpleMemory must equal it to the bit whatever the traffic.
class ReferenceMemory {
 public:
  ReferenceMemory(double bytes_per_ns, double latency_ns)
      : bytes_per_ns_(bytes_per_ns), latency_ns_(latency_ns) {}

  double transfer(double t, uint64_t bytes) {
    if (bytes == 0) return t + latency_ns_;
    double need = static_cast<double>(bytes) / bytes_per_ns_;
    auto next = busy_.upper_bound(t);
    auto before = next == busy_.begin() ? busy_.end() : std::prev(next);
    for (;;) {
      if (before != busy_.end() && before->second > t) {  // inside a busy interval
        t = before->second;
        continue;
      }
      const double slice = next == busy_.end() ? need : std::min(need, next->first - t);
      before = occupy(next, before, t, t + slice);
      next = std::next(before);
      t += slice;
      need -= slice;
      if (need <= 0) break;
    }
    return t + latency_ns_;
  }

  void retire_before(double ns) {
    while (!busy_.empty() && busy_.begin()->second < ns) busy_.erase(busy_.begin());
  }

 private:
  using Map = std::map<double, double>;
  Map::iterator occupy(Map::iterator next, Map::iterator before, double start, double end) {
    if (before != busy_.end() && before->first >= start) {  // an empty interval at start
      next = before;
      before = next == busy_.begin() ? busy_.end() : std::prev(next);
    }
    auto first = busy_.end();
    if (before != busy_.end() && before->second >= start) {
      first = before;
      end = std::max(end, first->second);
    }
    while (next != busy_.end() && next->first <= end) {
      end = std::max(end, next->second);
      next = busy_.erase(next);
    }
    if (first != busy_.end()) {
      first->second = end;
      return first;
    }
    return busy_.emplace_hint(next, start, end);
  }

  double bytes_per_ns_, latency_ns_;
  Map busy_;
};

// Random trains against the reference: trains issued before earlier-committed ones, rows
// issued faster and slower than they are served, rows issued at once, issue times that fall
// within a train, single transfers, empty transfers, retirement. Every completion equal to the
// bit, and the intervals left behind too (probed by later transfers).
void expect_equal_to_reference(double base, uint64_t seed, int trains, uint64_t units) {
  const MemoryConfig cfg = tiny_config().memory;
  SimpleMemory fast(cfg);
  ReferenceMemory ref(cfg.aggregate_gbps(), cfg.latency_ns);
  const auto next = [&seed](uint64_t n) {  // a fixed LCG: the same traffic every run
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  std::vector<double> issue;
  double frontier = base;
  for (int train = 0; train < trains; ++train) {
    frontier += static_cast<double>(next(30)) / 3.0;
    const double start = frontier - static_cast<double>(next(120)) / 3.0;  // may be earlier
    const uint64_t n = 1 + next(next(4) == 0 ? 200 : 12);
    const uint64_t bytes = next(20) == 0 ? 0 : 8 * (1 + next(units));
    const double gap = static_cast<double>(next(9)) / 3.0;
    issue.assign(n, 0);
    for (uint64_t r = 0; r < n; ++r) issue[r] = start + static_cast<double>(r) * gap;
    if (next(8) == 0) issue[next(n)] -= static_cast<double>(next(40));  // out of order
    if (n == 1 && next(2) == 0) {
      ASSERT_EQ(fast.transfer(issue[0], 0, bytes, false), ref.transfer(issue[0], bytes))
          << "transfer " << train;
      continue;
    }
    double expect = 0;
    for (double t : issue) expect = std::max(expect, ref.transfer(t, bytes));
    ASSERT_EQ(fast.transfer_rows(issue, 0, 64, bytes, next(2) == 1), expect) << "train " << train;
    if (train % 97 == 96) {
      fast.retire_before(frontier - 150);
      ref.retire_before(frontier - 150);
    }
  }
  for (int k = 0; k < 400; ++k) {
    const double t = frontier - 200 + static_cast<double>(k);
    ASSERT_EQ(fast.transfer(t, 0, 8, false), ref.transfer(t, 8)) << "probe " << k;
  }
}

TEST(SimpleMemory, EqualsThePerTransferReferenceOnRandomTraffic) {
  for (uint64_t seed : {1u, 2u, 3u}) expect_equal_to_reference(0, seed, 3000, 32);
}

// Near 2^53 ns one ulp is 2 ns: transfers of 0.5 and 1 ns round away (empty intervals) or up to
// 2 ns; the one-pass rows still equal the reference.
TEST(SimpleMemory, EqualsThePerTransferReferenceWhereTimesRound) {
  expect_equal_to_reference(std::ldexp(1.0, 53), 7, 2000, 2);
}

// Not a SimpleMemory to the simulator, so it takes its general path: one transfer() per DMA row
// issued at (first + s * row bytes / bytes per cycle) / GHz.
class PerRowMemory : public MemoryTiming {
 public:
  explicit PerRowMemory(const MemoryConfig& cfg) : m_(cfg) {}
  double transfer(double t, uint64_t addr, uint64_t bytes, bool write) override {
    return m_.transfer(t, addr, bytes, write);
  }
  void reset() override { m_.reset(); }
  void retire_before(double ns) override { m_.retire_before(ns); }
  std::string describe() const override { return m_.describe(); }
  double peak_bytes_per_ns() const override { return m_.peak_bytes_per_ns(); }
  MemoryTransferStats stats() const override { return m_.stats(); }

 private:
  SimpleMemory m_;
};

// The simulator hands the simple model a DMA's rows at once, their issue times stepped without
// a division per row (and multiplied by 1 / GHz when that is exact): the same report as one
// transfer() per row, at clocks of 1 and 2 GHz (power-of-two) and 0.7 and 1.25 GHz, with row
// sizes that are and are not multiples of the DMA's bytes per cycle; the slots the rows took
// are the same too.
TEST(SimpleMemory, SimulatorRowsAtOnceEqualPerRowTransfersAtAnyClock) {
  Program p;
  for (uint32_t k = 0; k < 6; ++k) {  // strided 20 x 24 bf16 tiles of a 20 x 200 matrix
    const TileRef src = tile(Space::Dram, 2 * 24 * k, 20, 24, DType::BF16, 200);
    p.push(dma_load(tile(Space::Spm, 4096 * k, 20, 24, DType::BF16), src));
  }
  p.push(dma_store(tile(Space::Dram, 65536, 20, 24, DType::BF16, 100),
                   tile(Space::Spm, 0, 20, 24, DType::BF16)));
  for (double mhz : {1000.0, 2000.0, 700.0, 1250.0}) {
    for (uint32_t bpc : {64u, 48u, 100u}) {
      auto cfg = tiny_config();
      cfg.clock_mhz = mhz;
      cfg.dma.engines = 3;
      cfg.dma.bytes_per_cycle = bpc;
      cfg.memory.gbps_per_channel = 48;  // rows issue about as fast as they are served
      Simulator rows(cfg, {.functional = false});
      Simulator per_row(cfg, {.functional = false}, std::make_shared<PerRowMemory>(cfg.memory));
      rows.run({p});
      per_row.run({p});
      const std::string where = fmt::format("{} MHz, {} B/cycle", mhz, bpc);
      ASSERT_EQ(rows.report().dump(), per_row.report().dump()) << where;
      ASSERT_EQ(rows.memory().stats().transfers, per_row.memory().stats().transfers);
      // Every row's slot: 1-byte probes every 0.125 ns find the same idle time after each.
      for (double t = 0; t < rows.now_ns(); t += 0.125)
        ASSERT_EQ(rows.memory().transfer(t, 0, 1, false), per_row.memory().transfer(t, 0, 1, false))
            << where << ", probe at " << t << " ns";
    }
  }
}

TEST(SimpleMemory, RowsBeyondCapacityNameTheFirstRowPastIt) {
  SimpleMemory m(tiny_config().memory);
  const uint64_t cap = tiny_config().memory.capacity_bytes;
  const std::vector<double> issue = {0, 1, 2, 3};
  try {
    m.transfer_rows(issue, cap - 2 * 64, 64, 64, false);  // rows 2 and 3 lie beyond
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("[{:#x}, +64)", cap)), std::string::npos)
        << e.what();
  }
}

TEST(SimpleMemory, IssueTimesThatAreNotFiniteAreRefused) {
  SimpleMemory m(tiny_config().memory);
  const double inf = std::numeric_limits<double>::infinity();
  for (double t : {inf, -inf, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW(m.transfer(t, 0, 64, false), Error) << t;
    const std::vector<double> issue = {0, 1, t, 3};
    EXPECT_THROW(m.transfer_rows(issue, 0, 64, 64, false), Error) << t;
    EXPECT_THROW(m.transfer_rows(issue, 0, 64, 0, false), Error) << t;
  }
  try {
    m.transfer(inf, 0, 64, false);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
  }
  // The rows before a refused one were served (three times rows at 0 and 1), and it serves on.
  SimpleMemory served(tiny_config().memory);
  for (int k = 0; k < 3; ++k) served.transfer_rows(std::vector<double>{0, 1}, 0, 64, 64, false);
  EXPECT_EQ(m.transfer(5, 0, 64, false), served.transfer(5, 0, 64, false));
}

}  // namespace
}  // namespace nuri::sim::npu
