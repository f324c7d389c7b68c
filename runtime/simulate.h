// `nuri simulate` as a library call (so the C API and Python can reach it later): a deployment's
// prefill and decode on the simulated timeline, summarised as time to first token, time per
// output token, throughput, energy per token, per device, per link and per phase.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/deployment.h"
#include "simulator/common/chrome_trace.h"

namespace nuri::rt {

// Called after each simulated run: runs done, runs in all, what just ran.
using SimulateProgress = std::function<void(int done, int total, const std::string& what)>;

struct SimulationResult {
  nlohmann::json summary;  // top level: ttft_ms, tpot_ms, tokens_per_s, energy_per_token_mj,
                           // devices, links, phases (and model, deployment, method)
  sim::ChromeTrace trace;  // prefill, then the first simulated decode step after it (if asked)
};

// Decode: the step graph is simulated at `decode_samples` context lengths spread over the
// generation (one when a step does not depend on the context) and every step's figures are
// interpolated piecewise-linearly between them. Deterministic: no wall time in the summary.
// The trace (which reads every partition's device report) is built only when asked for.
// The prefill and the sampled steps are independent sessions, run on up to `threads` threads
// (0: one per hardware thread); the result is the same for every thread count.
SimulationResult simulate_deployment(const Deployment& d, bool want_trace = false,
                                     const SimulateProgress& progress = {}, int threads = 0);

// One decode step with `context` tokens in the KV cache, simulated alone: its simulated time in
// ns, as simulate_deployment counts it (bench/simulate_bench.cpp times it).
double simulate_decode_step_ns(const Deployment& d, int64_t context);

// How many steps each sampled context (ascending) stands for when the steps at contexts
// first .. first+steps-1 are each interpolated linearly between their two neighbouring samples
// (held flat outside them). The weights sum to `steps`.
std::vector<double> interpolation_weights(const std::vector<int64_t>& samples, int64_t first,
                                          int64_t steps);

// The metrics --baseline compares, with whether a higher value is better.
struct GatedMetric {
  const char* key;
  bool higher_is_better;
};
const std::vector<GatedMetric>& gated_metrics();

}  // namespace nuri::rt
