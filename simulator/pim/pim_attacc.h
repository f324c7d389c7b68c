// Decode attention placed as AttAcc places it (Park et al., ASPLOS 2024, "AttAcc! Unleashing the
// Power of PIM for Batched Transformer-based Generative Model Inference"; its simulator
// github.com/scale-snu/attacc_simulator, trace_gen/gen_trace_attacc_*.py): a head per channel
// (heads beyond the channel count queue on the channels in turn); a channel's sequence split
// over its pseudo-channels, stack IDs and bank groups (P = PCs x SIDs x BGs partitions of L),
// the head dimension over the banks of a group (B); per head one score GEMV (K q: ceil(L / P)
// keys x ceil(D / (B lanes)) MAC columns per bank), the softmax on the channel's buffer-die
// unit, one context GEMV (V^T p, the same count with Dv). The data-path commands (q written to
// the GEMV buffers, scores moved to the softmax buffer, p moved back) run beside the MACs, so
// only the first head's q write and the last head's output move are exposed; heads pipeline:
// head i+1's score MACs run while head i's softmax runs (AttAcc's trace order S0, S1, C0, S2,
// C1, ...). A unit of banks_per_unit banks (AttAcc_bank 1, AttAcc_BG 4, AttAcc_buffer all of a
// PC) MACs its banks in turn. Times are tCK.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "simulator/common/chrome_trace.h"
#include "simulator/pim/pim_config.h"
#include "simulator/pim/pim_engine.h"

namespace nuri::sim::pim {

struct AttentionShape {
  int64_t heads = 1;  // batch x KV heads (a GQA group's query heads share a pass: batch below)
  int64_t kv_len = 1, head_dim = 1, v_head_dim = 1;
  int64_t queries = 1;  // query vectors per KV head (GQA group size), one after another
};

// MAC columns of one unit per head: score and context.
struct AttAccHeadMacs {
  int64_t score = 0, context = 0;
};
AttAccHeadMacs attacc_head_macs(const PimConfig& cfg, const AttentionShape& s);

// Softmax of L scores on the buffer-die unit: two passes (max and exp-sum, then normalise),
// `lanes` scores per data-path beat group (one burst time each). Our assumption: AttAcc's
// Ramulator issues its SFM as data-path column commands and gives no latency of its own.
int64_t attacc_softmax_tck(const PimConfig& cfg, int64_t kv_len);

// One pseudo-channel running `heads` heads (its legacy channel's share) for `s`.
ChannelRun run_attacc_channel(const PimConfig& cfg, const AttentionShape& s, int64_t heads,
                              size_t max_spans);

struct PimAttentionResult {
  int64_t cycles = 0;  // tCK
  double ns = 0;
  PimCounts counts;
  uint64_t bus_bytes = 0;
  double energy_pj = 0;
  int64_t heads_per_channel = 0;  // on the busiest channel
  nlohmann::json to_json() const;
};

// The whole device: channels in parallel, each running its heads; time = the busiest channel's.
PimAttentionResult run_attacc_attention(const PimConfig& cfg, const AttentionShape& s,
                                        ChromeTrace* trace = nullptr);

}  // namespace nuri::sim::pim
