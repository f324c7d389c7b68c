// The graphs a deployment simulates, built in one place: the prefill (the whole prompt at once)
// and one decode step at a given context length, from a built-in family or an ONNX decoder.
//
// An ONNX model's symbolic dims are bound per phase by role: batch -> the deployment's batch;
// seq -> the new tokens (prompt in the prefill, 1 in a decode step); past -> the tokens already
// cached (0 in the prefill, the context in a step); total -> past + seq. A dim's role is the
// deployment's `model.dims` entry, else guessed from its name ("past..." before "total...",
// before "batch...", before "seq..."/"sequence..."/"len..."); a dim that fits none is refused
// naming the input, as is a model without a seq dim (or a batch dim, at batch > 1). Inputs with a
// past dim are the KV cache, as are outputs named "present...": device state, never moved over a
// link. A model without a past input has no KV cache: each decode step re-runs the whole sequence
// (seq = context + 1), as such a model would.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "compiler/models/catalogue.h"
#include "runtime/deployment.h"

namespace nuri::rt {

// One phase's graph (timing only, no weights) and what the simulation needs to know of it.
// For an ONNX model the dims are read off the graph: layers = its Attention nodes, d_model =
// the first one's query heads x head dim, vocab = the first output's last dim; `ids` are zeros
// of the first integer input's shape.
struct PhaseModel {
  ir::BuiltinModel m;
  std::set<std::string> kv_cache;  // inputs and outputs that are the KV cache
};

// Prefill: seq = prompt for each of the deployment's batch of sequences.
PhaseModel prefill_model(const Deployment& d);

// One decode step: one new token per sequence, with `context` tokens of each already in the KV
// cache ([batch, kv_heads, context, head_dim] per layer), or re-run whole without a cache.
PhaseModel decode_step_model(const Deployment& d, int64_t context);

// Whether decode steps read a KV cache (false: an ONNX model without past inputs).
bool decode_has_kv_cache(const Deployment& d);

// The built-in KV cache's inputs and outputs (past_* / present_*, named as
// compiler/models/catalogue.h says).
std::set<std::string> kv_cache_values(const ir::BuiltinModel& m);

}  // namespace nuri::rt
