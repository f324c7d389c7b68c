// The KV cache of a built-in decoder: per-layer past_key.l / past_value.l inputs (a decode step,
// past > 0), causal attention over past ++ new, and present_key.l / present_value.l outputs
// (prefill with a cache: past 0). Disabled, it is plain causal attention, so one model builder
// serves every graph. With a capacity it is a cache updated in place: a kv_len input (valid
// entries) before the past inputs, which then have the capacity's length, as do the presents
// (a caller binds each present to its past's memory and steps kv_len).
#pragma once

#include <string>
#include <vector>

#include "compiler/ir/builder.h"

namespace nuri::ir {

class KvCache {
 public:
  // Declares the past inputs (when past > 0 or capacity > 0; kv_len first with a capacity):
  // call right after the model's own inputs.
  KvCache(GraphBuilder& b, int64_t layers, int64_t kv_heads, int64_t head_dim, bool enabled,
          int64_t past, int64_t capacity = 0, int64_t batch = 1);

  // Causal attention of q [B,Hq,S,Dh] over layer `layer`'s past and the new k, v [B,Hkv,S,Dh].
  ValueId attend(int64_t layer, ValueId q, ValueId k, ValueId v, const std::string& name);

  // Adds the present outputs (when enabled): call after the model's own outputs.
  void output_presents();

 private:
  GraphBuilder& b_;
  bool enabled_;
  int64_t past_;
  ValueId kv_len_ = kNoValue;
  std::vector<ValueId> past_k_, past_v_, present_;
};

}  // namespace nuri::ir
