// nuri simulate with a batch (GPT-2-shaped: the npu lowers all of it at any batch): throughput
// counts every sequence, time to first token and time per output token stay per request, and the
// links carry each sequence's ids and logits (the KV cache stays on its device), so a batch of 2
// moves exactly twice the bytes of one.
#include <gtest/gtest.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"
#include "tests/runtime/simulate_summary_util.h"

namespace nuri::rt {
namespace {

using test::link_bytes;

constexpr int64_t kPrompt = 16, kGenerate = 8, kVocab = 128;

Deployment tiny(int64_t batch) {
  Deployment d = parse_deployment(R"({"model": {"builtin": "gpt2-small", "layers": 1,
                                                "d_model": 64, "heads": 2, "vocab": 128},
                                      "prompt": 16, "generate": 8,
                                      "devices": ["npu:atom-like", "pim"]})",
                                  "test");
  d.batch = batch;
  return d;
}

TEST(SimulateBatch, ThroughputCountsEverySequence) {
  const nlohmann::json s = simulate_deployment(tiny(4)).summary;
  EXPECT_EQ(s["deployment"]["batch"], 4);
  EXPECT_EQ(s["phases"]["prefill"]["tokens"], 4 * kPrompt);
  const double tpot = s["tpot_ms"], ttft = s["ttft_ms"];
  EXPECT_NEAR(s["tokens_per_s"].get<double>(), 4 * 1000.0 / tpot, 1e-9);
  const nlohmann::json& ph = s["phases"];
  EXPECT_NEAR(tpot * kGenerate, ph["decode"]["time_ms"].get<double>(), 1e-12);
  EXPECT_DOUBLE_EQ(ttft, ph["prefill"]["time_ms"].get<double>());
  const double energy =
      ph["prefill"]["energy_mj"].get<double>() + ph["decode"]["energy_mj"].get<double>();
  EXPECT_NEAR(s["energy_per_token_mj"].get<double>(), energy / (4 * kGenerate), 1e-12);
}

TEST(SimulateBatch, LinksCarryEachSequencesIdsAndLogits) {
  const nlohmann::json one = simulate_deployment(tiny(1)).summary;
  const nlohmann::json two = simulate_deployment(tiny(2)).summary;
  // Prefill: ids i64[B, 16] in, logits f32[B, 16, 128] out; the presents stay on the device.
  const uint64_t per_sequence = kPrompt * 8 + kPrompt * kVocab * 4;
  EXPECT_EQ(link_bytes(one["phases"]["prefill"]), per_sequence);
  EXPECT_EQ(link_bytes(two["phases"]["prefill"]), 2 * per_sequence);
  // A decode step: one id in, one row of logits out per sequence, over the 8 steps.
  EXPECT_EQ(link_bytes(two["phases"]["decode"]), 2 * kGenerate * (8 + kVocab * 4));
  // The batch shares the weights' reads, so the prefill takes less than twice as long, but it
  // cannot beat one sequence.
  const double t1 = one["ttft_ms"], t2 = two["ttft_ms"];
  EXPECT_GE(t2, t1);
  EXPECT_LE(t2, 2 * t1);
  EXPECT_GE(two["tpot_ms"].get<double>(), one["tpot_ms"].get<double>());
}

TEST(SimulateBatch, DeterministicBytes) {
  EXPECT_EQ(simulate_deployment(tiny(3)).summary.dump(),
            simulate_deployment(tiny(3)).summary.dump());
}

}  // namespace
}  // namespace nuri::rt
