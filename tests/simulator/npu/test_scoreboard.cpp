// Scoreboard hazards (scoreboard.h): a new instruction waits for the latest end among records of
// other engines it conflicts with (RAW, WAR, WAW), and a newer record may subsume an older one
// only where nothing that skips the newer one (its own engine's later instructions) still has to
// wait for the older one. Cycles below are the records' ends, set by hand.
#include <gtest/gtest.h>

#include "simulator/npu/scoreboard.h"

namespace nuri::sim::npu {
namespace {

constexpr uint32_t kDma = 0, kArray = 1, kVector = 2;

Access dense(uint64_t lo, uint64_t hi, bool write) {
  Region r;
  r.lo = lo;
  r.hi = hi;
  r.row = r.stride = hi - lo;
  return {Space::Spm, r, write};
}

TEST(Scoreboard, ReadAfterWriteWaitsForTheWriterOfAnotherEngine) {
  Scoreboard sb;
  const Access w = dense(0, 256, true);
  sb.record(&w, 1, kDma, 100);
  const Access r = dense(128, 192, false);
  EXPECT_EQ(sb.ready(&r, 1, kArray), 100u);
  EXPECT_EQ(sb.ready(&r, 1, kDma), 0u);  // same engine: in order
  const Access elsewhere = dense(256, 512, false);
  EXPECT_EQ(sb.ready(&elsewhere, 1, kArray), 0u);
}

TEST(Scoreboard, ReadsDoNotWaitForReadsButWritesDo) {
  Scoreboard sb;
  const Access r = dense(0, 256, false);
  sb.record(&r, 1, kArray, 80);
  EXPECT_EQ(sb.ready(&r, 1, kVector), 0u);
  const Access w = dense(0, 64, true);
  EXPECT_EQ(sb.ready(&w, 1, kDma), 80u);
}

TEST(Scoreboard, WriteThatSubsumesAnotherEnginesRecordStillOrdersItsOwnEngine) {
  // The vector engine's write covers the array's read and, being a write, waited for it: its own
  // engine's later instructions start after it started, so after the read ended.
  Scoreboard sb;
  const Access read = dense(0, 256, false);
  sb.record(&read, 1, kArray, 100);
  const Access write = dense(0, 512, true);
  EXPECT_EQ(sb.ready(&write, 1, kVector), 100u);
  sb.record(&write, 1, kVector, 150);
  const Access later = dense(0, 64, true);
  EXPECT_EQ(sb.ready(&later, 1, kDma), 150u);
}

TEST(Scoreboard, ReadCoveringAnotherEnginesReadKeepsItForItsOwnEngine) {
  // The array reads [0, 256) until 100; the DMA engine reads [0, 512) until 150 without waiting
  // (reads do not conflict). A later DMA write into [0, 64) skips the DMA's own read but must
  // still wait for the array's: had the newer read subsumed it, the write would start at 0.
  Scoreboard sb;
  const Access array_read = dense(0, 256, false);
  sb.record(&array_read, 1, kArray, 100);
  const Access dma_read = dense(0, 512, false);
  EXPECT_EQ(sb.ready(&dma_read, 1, kDma), 0u);
  sb.record(&dma_read, 1, kDma, 150);
  const Access dma_write = dense(0, 64, true);
  EXPECT_EQ(sb.ready(&dma_write, 1, kDma), 100u);
  // The same engine's read does subsume its own older read: one record left per engine.
  const Access array_read2 = dense(0, 512, false);
  sb.record(&array_read2, 1, kArray, 200);
  EXPECT_EQ(sb.size(), 2u);
  EXPECT_EQ(sb.ready(&dma_write, 1, kDma), 200u);
}

TEST(Scoreboard, PruneDropsRecordsThatCanNoLongerDelayAnything) {
  Scoreboard sb;
  const Access w = dense(0, 256, true);
  sb.record(&w, 1, kDma, 100);
  sb.prune(100);
  EXPECT_EQ(sb.size(), 0u);
  const Access r = dense(0, 256, false);
  EXPECT_EQ(sb.ready(&r, 1, kArray), 0u);
}

}  // namespace
}  // namespace nuri::sim::npu
