// Single commands and short sequences against cycle counts derived by hand from the HBM2
// preset (tCK at 1.2 GHz): CL 17, CWL 7, tRCD 17, tRP 17, tRAS 40, tRC 57, tCCD_S 2,
// tCCD_L 4, tRRD_S 4, tRRD_L 6, tFAW 20, tWR 18, tWTR_L 9, tRTP 5, tRFC 420, tREFI 4680,
// burst = BL4 / 2 beats per tCK = 2 tCK.
#include <gtest/gtest.h>

#include "nuri/error.hpp"
#include "simulator/dram/channel.h"
#include "simulator/dram/dram.h"

using namespace nuri::sim::dram;

namespace {
DramConfig hbm2() {
  return DramConfig::preset("HBM2");
}
// Address of (unit 0, bank, row, col) under the documented mapping.
uint64_t addr(const Dram& d, int bank, int64_t row, int col) {
  return d.map().encode(DramAddress{0, bank, row, col});
}
}  // namespace

TEST(DramTiming, ClosedBankReadIsTrcdPlusClPlusBurst) {
  Dram d(hbm2(), 32, /*refresh=*/false);
  auto done = d.serve({{0, addr(d, 0, 5, 0), 32, false}});
  // ACT at 0, RD at tRCD = 17, last beat at 17 + CL 17 + 2 = 36.
  EXPECT_EQ(done[0], 36);
  auto s = d.stats();
  EXPECT_EQ(s.totals.cmds[size_t(Cmd::kAct)], 1u);
  EXPECT_EQ(s.totals.cmds[size_t(Cmd::kRd)], 1u);
  EXPECT_EQ(s.totals.row_misses, 1u);
}

TEST(DramTiming, RowHitSameBankWaitsTccdL) {
  Dram d(hbm2(), 32, false);
  auto done = d.serve({{0, addr(d, 0, 5, 0), 32, false}, {0, addr(d, 0, 5, 1), 32, false}});
  // Second RD at 17 + tCCD_L 4 = 21 -> 21 + 17 + 2 = 40; it is a row hit.
  EXPECT_EQ(done[0], 36);
  EXPECT_EQ(done[1], 40);
  EXPECT_EQ(d.stats().totals.row_hits, 1u);
}

TEST(DramTiming, RowConflictIsTrasThenTrpThenTrcd) {
  Dram d(hbm2(), 32, false);
  auto done = d.serve({{0, addr(d, 0, 5, 0), 32, false}, {0, addr(d, 0, 6, 0), 32, false}});
  // ACT 0, RD 17; PRE at max(tRAS 40, 17 + tRTP 5) = 40; ACT at max(40 + tRP, tRC) = 57;
  // RD at 57 + 17 = 74; last beat 74 + 19 = 93.
  EXPECT_EQ(done[1], 93);
  EXPECT_EQ(d.stats().totals.row_conflicts, 1u);
  EXPECT_EQ(d.stats().totals.cmds[size_t(Cmd::kPre)], 1u);
}

TEST(DramTiming, FifthActivateWaitsForTfaw) {
  DramConfig c = hbm2();
  Channel ch(c, false);
  // Banks 0, 4, 8, 12 are in bank groups 0..3 (tRRD_S = 4 apart); bank 1 is in group 0 again.
  const int banks[5] = {0, 4, 8, 12, 1};
  int64_t at[5];
  for (int i = 0; i < 5; ++i) at[i] = ch.issue(Cmd::kAct, banks[i], 0, 0);
  EXPECT_EQ(at[0], 0);
  EXPECT_EQ(at[1], 4);
  EXPECT_EQ(at[2], 8);
  EXPECT_EQ(at[3], 12);
  // tRRD_S would allow 16 and tRRD_L (same group as bank 0) 6, but tFAW: 0 + 20.
  EXPECT_EQ(at[4], 20);
}

TEST(DramTiming, ActToActSameGroupIsTrrdL) {
  Channel ch(hbm2(), false);
  ch.issue(Cmd::kAct, 0, 0, 0);
  EXPECT_EQ(ch.issue(Cmd::kAct, 1, 0, 0), 6);   // tRRD_L
  EXPECT_EQ(ch.issue(Cmd::kAct, 4, 0, 0), 10);  // other group: 6 + tRRD_S
}

TEST(DramTiming, BroadcastActivateIsOneCommand) {
  Channel ch(hbm2(), false);
  // Four single-bank ACTs (0, 4, 8, 12 across groups), then PREA at the last one's tRAS: 52.
  for (int i = 0; i < 4; ++i) ch.issue(Cmd::kAct, 4 * i, 0, 0);
  ch.issue(Cmd::kPre, kAllBanks, 0, 0);
  // All-bank ACT: every bank's tRC (12 + 57 = 69) and tRP (52 + 17 = 69) must have passed.
  const int64_t t = ch.issue(Cmd::kAct, kAllBanks, 3, 0);
  EXPECT_EQ(t, 69);
  for (int b = 0; b < 16; ++b) EXPECT_EQ(ch.open_row(b), 3);
  EXPECT_EQ(ch.counters().bank_acts, 4u + 16u);
  EXPECT_EQ(ch.counters().cmds[size_t(Cmd::kAct)], 5u);  // one command
  // Every bank's column commands wait tRCD; PREA waits tRAS.
  EXPECT_EQ(ch.earliest(Cmd::kMac, kAllBanks), 69 + 17);
  EXPECT_EQ(ch.earliest(Cmd::kPre, kAllBanks), 69 + 40);
  ch.issue(Cmd::kPre, kAllBanks, 0, 0);
  // HBM-PIM style: even banks, then odd banks: max(PREA 109 + tRP, 69 + tRC) = 126, then tRRD_L.
  EXPECT_EQ(ch.issue_broadcast_act(4, 0, 0, 2), 126);
  EXPECT_EQ(ch.open_row(0), 4);
  EXPECT_EQ(ch.open_row(1), kClosed);
  EXPECT_EQ(ch.issue_broadcast_act(4, 0, 1, 2), 126 + 6);
  EXPECT_EQ(ch.open_row(1), 4);
  // A single-bank ACT to an open bank is a scheduler bug: an error, not a silent reopen.
  EXPECT_THROW(ch.issue(Cmd::kAct, 5, 0, 0), nuri::Error);
}

TEST(DramTiming, ColumnSpacingTccdSAcrossGroupsTccdLWithin) {
  Channel ch(hbm2(), false);
  ch.issue(Cmd::kAct, 0, 0, 0);                    // group 0
  ch.issue(Cmd::kAct, 4, 0, 0);                    // group 1, at 4
  ch.issue(Cmd::kAct, 1, 0, 0);                    // group 0, at max(6, 8) = 8
  const int64_t r0 = ch.issue(Cmd::kRd, 0, 0, 0);  // at tRCD = 17
  EXPECT_EQ(r0, 17);
  EXPECT_EQ(ch.issue(Cmd::kRd, 4, 0, 0), 21);  // col ready 4 + 17 = 21 > 17 + tCCD_S
  // bank 1: col ready 8 + 17 = 25; tCCD_L from bank 0's RD: 21; tCCD_S from 21: 23 -> 25.
  EXPECT_EQ(ch.issue(Cmd::kRd, 1, 0, 0), 25);
  // Back to bank 0 (group 0): tCCD_L from 25 = 29, tCCD_S 27 -> 29.
  EXPECT_EQ(ch.issue(Cmd::kRd, 0, 0, 0), 29);
  // bank 4 (group 1): tCCD_S from 29 = 31; group 1's last column at 21 + 4 = 25.
  EXPECT_EQ(ch.issue(Cmd::kRd, 4, 0, 0), 31);
}

TEST(DramTiming, WriteToReadSameGroupWaitsTwtrL) {
  Channel ch(hbm2(), false);
  ch.issue(Cmd::kAct, 0, 0, 0);
  const int64_t w = ch.issue(Cmd::kWr, 0, 0, 0);  // 17
  EXPECT_EQ(w, 17);
  // RD >= WR + CWL 7 + burst 2 + tWTR_L 9 = 35.
  EXPECT_EQ(ch.issue(Cmd::kRd, 0, 0, 0), 35);
  // And PRE after the write waits WR + CWL + burst + tWR = 17 + 7 + 2 + 18 = 44 (> tRAS 40).
  EXPECT_EQ(ch.earliest(Cmd::kPre, 0), 44);
}

TEST(DramTiming, ReadToWriteTurnaround) {
  Channel ch(hbm2(), false);
  ch.issue(Cmd::kAct, 0, 0, 0);
  ch.issue(Cmd::kRd, 0, 0, 0);  // 17
  // WR >= RD + CL 17 + burst 2 + tRTW 2 - CWL 7 = 31.
  EXPECT_EQ(ch.issue(Cmd::kWr, 0, 0, 0), 31);
}

TEST(DramTiming, RefreshBlocksAccessForTrfc) {
  Dram d(hbm2());
  // A read arriving exactly when the first refresh is due (tREFI = 4680): REF at 4680,
  // ACT at 4680 + tRFC 420 = 5100, RD at 5117, last beat 5136.
  auto done = d.serve({{4680, addr(d, 0, 5, 0), 32, false}});
  EXPECT_EQ(done[0], 5136);
  EXPECT_EQ(d.stats().totals.cmds[size_t(Cmd::kRef)], 1u);
}

TEST(DramTiming, RefreshPrechargesOpenRowsFirst) {
  Dram d(hbm2());
  // Row opened at 0 (ACT 0, RD 17); the access at 4679 hits (RD 4679, last beat 4698). The one
  // at 4700 finds the refresh due at 4680: PREA at max(4680, 4679 + tRTP 5) = 4684, REF at
  // 4684 + tRP 17 = 4701, ACT at 4701 + tRFC 420 = 5121, RD 5138, last beat 5157.
  auto done = d.serve({{0, addr(d, 0, 5, 0), 32, false},
                       {4679, addr(d, 0, 5, 1), 32, false},
                       {4700, addr(d, 0, 5, 2), 32, false}});
  EXPECT_EQ(done[1], 4679 + 19);
  EXPECT_EQ(done[2], 5157);
}

TEST(DramTiming, SplitTrcdTimesWritesAndReadsApart) {
  // HBM2-PIMSim: tRCD (ACT->RD) 14, tRCD_WR (ACT->WR) 10; a config without tRCD_WR uses tRCD.
  Channel ch(DramConfig::preset("HBM2-PIMSim"), false);
  ch.issue(Cmd::kAct, 0, 3, 0);
  ch.issue(Cmd::kAct, 4, 3, 4);  // another bank group, tRRD_S 4
  EXPECT_EQ(ch.earliest(Cmd::kWr, 0), 10);
  EXPECT_EQ(ch.earliest(Cmd::kRd, 4), 18);
  EXPECT_EQ(hbm2().t.tRCD_WR, hbm2().t.tRCD);
}

TEST(DramTiming, StackIdsMultiplyTheBanksAndTheAddressMapReachesThem) {
  // HBM3-AttAcc: 2 SIDs x 4 bank groups x 4 banks = 32 banks per pseudo-channel, 8 distinct
  // bank groups (a column to bank 16 and one to bank 0 are in different groups: tCCD_S).
  const DramConfig c = DramConfig::preset("HBM3-AttAcc");
  EXPECT_EQ(c.org.stack_ids, 2);
  EXPECT_EQ(c.org.banks(), 32);
  EXPECT_EQ(c.org.groups(), 8);
  EXPECT_EQ(c.org.capacity_bytes(), uint64_t(32) * 32 * 16384 * 1024);
  const AddressMap map(c.org);
  for (int bank : {0, 15, 16, 31}) {
    const DramAddress a{3, bank, 7, 5};
    const DramAddress b = map.decode(map.encode(a));
    EXPECT_EQ(b.bank, bank);
    EXPECT_EQ(b.row, 7);
    EXPECT_EQ(b.col, 5);
    EXPECT_EQ(b.unit, 3);
  }
  Channel ch(c, false);
  ch.issue(Cmd::kAct, 0, 1, 0);
  ch.issue(Cmd::kAct, 16, 1, 2);  // another SID's group: tRRD_S 2
  ch.issue(Cmd::kRd, 0, 1, 19);
  EXPECT_EQ(ch.earliest(Cmd::kRd, 16), 21);  // tRCD from 2, and tCCD_S after the RD at 19
  // A config without the key has one stack ID.
  EXPECT_EQ(DramConfig::preset("HBM2").org.stack_ids, 1);
}

TEST(DramTiming, SplitTrtpBoundsPrechargeAllSoonerThanOneBank) {
  // HBM3-AttAcc: RD -> PRE (the bank) tRTP 8, RD -> PREA (all banks) tRTP_S 6 (Ramulator's
  // HBM3 nRTPL / nRTPS); tRAS 45 from the ACT at 0 binds both until then.
  Channel ch(DramConfig::preset("HBM3-AttAcc"), false);
  ch.issue(Cmd::kAct, 0, 1, 0);
  ch.issue(Cmd::kRd, 0, 1, 60);
  EXPECT_EQ(ch.earliest(Cmd::kPre, 0), 68);
  EXPECT_EQ(ch.earliest(Cmd::kPre, kAllBanks), 66);
  EXPECT_EQ(hbm2().t.tRTP_S, hbm2().t.tRTP);  // without the key: one tRTP
}

namespace {
// HBM2 with per-bank refresh at HBM's REFSB figures: tRFCsb 160 ns and tRREFD 8 ns at 1.2 GHz
// = 192 and 10 tCK; 16 banks per unit, so a bank's refresh falls due every 4680 / 16 = 292.
DramConfig hbm2_per_bank() {
  DramConfig c = hbm2();
  c.t.per_bank_refresh = true;
  c.t.tRFCsb = 192;
  c.t.tRREFD = 10;
  return c;
}
}  // namespace

TEST(DramTiming, PerBankRefreshHoldsOnlyTheBankItRefreshes) {
  // Bank 0's refresh is due at 292: REF at 292, ACT at 292 + tRFCsb 192 = 484, RD 501, last
  // beat 520.
  Dram same(hbm2_per_bank());
  EXPECT_EQ(same.serve({{292, addr(same, 0, 5, 0), 32, false}})[0], 520);
  // Bank 1 waits only tRREFD after the REF to bank 0: ACT 302, RD 319, last beat 338.
  Dram other(hbm2_per_bank());
  EXPECT_EQ(other.serve({{292, addr(other, 1, 5, 0), 32, false}})[0], 338);
  const UnitCounters& c = other.stats().totals;
  EXPECT_EQ(c.cmds[size_t(Cmd::kRef)], 1u);
  EXPECT_EQ(c.bank_refreshes, 1u);
  // All-bank refresh of the same read: REF at 4680 blocks it, but none before; here the read
  // at 292 meets no refresh at all: ACT 292, RD 309, last beat 328.
  Dram all(hbm2());
  EXPECT_EQ(all.serve({{292, addr(all, 1, 5, 0), 32, false}})[0], 328);
}

TEST(DramTiming, PerBankRefreshPrechargesOnlyTheBankDueAndGoesRoundRobin) {
  Channel ch(hbm2_per_bank());
  ch.issue(Cmd::kAct, 0, 5, 0);
  ch.issue(Cmd::kAct, 4, 5, 4);  // another bank group
  // Bank 0 is due first: PRE at max(292, tRAS 40) = 292, REF at 292 + tRP 17 = 309.
  EXPECT_EQ(ch.refresh(0), 309);
  EXPECT_EQ(ch.open_row(0), kClosed);
  EXPECT_EQ(ch.open_row(4), 5);  // the other open row survives
  // Bank 1 next, due at 584 and closed already: REF at 584.
  EXPECT_EQ(ch.refresh_due_cycle(), 584);
  EXPECT_EQ(ch.refresh(0), 584);
  EXPECT_EQ(ch.counters().cmds[size_t(Cmd::kPre)], 1u);
}

TEST(DramTiming, PimAllBankModeRefreshesAllBanksWhateverTheConfig) {
  // A PIM kernel's channel asks for all-bank refresh: due at tREFI, REF closes every bank.
  Channel ch(hbm2_per_bank(), true, /*all_bank_refresh=*/true);
  EXPECT_EQ(ch.refresh_due_cycle(), 4680);
  ch.issue(Cmd::kAct, 0, 5, 0);
  ch.issue(Cmd::kAct, 4, 5, 4);
  ch.refresh(0);
  EXPECT_FALSE(ch.any_open());
  EXPECT_EQ(ch.counters().bank_refreshes, 0u);
}

TEST(DramTiming, PerBankRefreshEnergyIsAnAllBankRefreshOverTheBanks) {
  UnitCounters c;
  c.cmds[size_t(Cmd::kRef)] = 16 + 1;
  c.bank_refreshes = 16;
  const DramConfig cfg = hbm2_per_bank();
  // 16 per-bank refreshes cost one all-bank refresh; plus one all-bank refresh.
  EXPECT_DOUBLE_EQ(dram_energy_pj(cfg, c), 2 * cfg.energy.ref_pj);
}
