// The graphs a deployment simulates, built in one place: the prefill (the whole prompt at once)
// and one decode step at a given context length.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "compiler/models/catalogue.h"
#include "runtime/deployment.h"

namespace nuri::rt {

// Prefill: seq = prompt, without weights (timing only).
ir::BuiltinModel prefill_model(const Deployment& d);

// One decode step: one new token with `context` tokens already in the KV cache.
ir::BuiltinModel decode_step_model(const Deployment& d, int64_t context);

// The KV cache's inputs and outputs (past_* / present_*, named as compiler/models/catalogue.h
// says): device state on the timeline, never moved over a link.
std::set<std::string> kv_cache_values(const ir::BuiltinModel& m);

}  // namespace nuri::rt
