#include "compiler/models/kv_cache.h"

#include <fmt/format.h>

namespace nuri::ir {

KvCache::KvCache(GraphBuilder& b, int64_t layers, int64_t kv_heads, int64_t head_dim, bool enabled,
                 int64_t past, int64_t capacity, int64_t batch)
    : b_(b), enabled_(enabled || past > 0 || capacity > 0), past_(capacity > 0 ? capacity : past) {
  if (capacity > 0) kv_len_ = b.input("kv_len", DType::I64, {1});
  if (past_ <= 0) return;
  for (int64_t l = 0; l < layers; ++l) {
    past_k_.push_back(
        b.input(fmt::format("past_key.{}", l), DType::F32, {batch, kv_heads, past_, head_dim}));
    past_v_.push_back(
        b.input(fmt::format("past_value.{}", l), DType::F32, {batch, kv_heads, past_, head_dim}));
  }
}

ValueId KvCache::attend(int64_t layer, ValueId q, ValueId k, ValueId v, const std::string& name) {
  const Attributes causal{{"causal", int64_t{1}}};
  if (!enabled_) return b_.add1(OpKind::Attention, {q, k, v}, causal, name);
  std::vector<ValueId> in{q, k, v};
  if (past_ > 0) in.insert(in.end(), {kNoValue, past_k_[layer], past_v_[layer]});
  if (kv_len_ != kNoValue) in.push_back(kv_len_);
  const auto out = b_.add(OpKind::Attention, std::move(in), causal, 3, name);
  b_.rename(out[1], fmt::format("present_key.{}", layer));
  b_.rename(out[2], fmt::format("present_value.{}", layer));
  present_.push_back(out[1]);
  present_.push_back(out[2]);
  return out[0];
}

void KvCache::output_presents() {
  for (ValueId v : present_) b_.output(v);
}

}  // namespace nuri::ir
