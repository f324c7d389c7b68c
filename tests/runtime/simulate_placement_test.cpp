// Placement by cost in nuri simulate reaches the pim: the pim's estimate for decode attention
// charges only the new token's rows of the KV cache (the cache is resident, as the timeline
// has it), so with an AttAcc-style pim the cost policy puts a Llama-2-7B-shaped layer's decode
// attention there; the prefill's attention (no past) stays on the npu, which the pim declines.
#include <gtest/gtest.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"
#include "tests/runtime/simulate_summary_util.h"

namespace nuri::rt {
namespace {

using test::busy_ms;

// 128 cached tokens: up to about 90 (88 measured) the npu's own attention is the cheaper, as
// its q, k and v (rope included) are already there while the pim's are charged the link.
TEST(SimulatePlacement, CostPolicyPutsDecodeAttentionOnAnAttAccPim) {
  Deployment d = parse_deployment(R"({"model": {"builtin": "llama2-7b", "layers": 1},
                                      "batch": 4, "prompt": 128, "generate": 2,
                                      "decode_samples": 1, "placement": "cost",
                                      "devices": ["npu", "pim:AttAcc-bank"]})",
                                  "test");
  const nlohmann::json s = simulate_deployment(d).summary;
  EXPECT_EQ(busy_ms(s["phases"]["prefill"], "pim"), 0);
  EXPECT_GT(busy_ms(s["phases"]["decode"], "pim"), 0);
  // Fixed by a rule instead, the decode takes at least as long: the cost policy chose the
  // cheaper device for every node the rule would have moved.
  d.op_rules["Attention"] = "npu";
  const nlohmann::json ruled = simulate_deployment(d).summary;
  EXPECT_EQ(busy_ms(ruled["phases"]["decode"], "pim"), 0);
  EXPECT_LT(s["tpot_ms"].get<double>(), ruled["tpot_ms"].get<double>());
}

}  // namespace
}  // namespace nuri::rt
