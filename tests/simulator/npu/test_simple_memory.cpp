// SimpleMemory serves transfers in issue-time order (README.md "SimpleMemory"): a transfer that
// reaches the model late but was issued early takes the idle time before later transfers.
// 16 B/ns, 100 ns latency (tiny_config's memory).
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace nuri::sim::npu
