// The graphs a deployment simulates, built in one place: the prefill (the whole prompt at once)
// and one decode step at a given context length.
#pragma once

#include <cstdint>

#include "compiler/models/catalogue.h"
#include "runtime/deployment.h"

namespace nuri::rt {

// Prefill: seq = prompt, without weights (timing only).
ir::BuiltinModel prefill_model(const Deployment& d);

// One decode step: one new token with `context` tokens already in the KV cache.
ir::BuiltinModel decode_step_model(const Deployment& d, int64_t context);

// False while the built-in models have no KV cache: a decode step is then the seq=1 graph
// whatever the context, so one sample stands for every step.
bool decode_step_depends_on_context();

}  // namespace nuri::rt
