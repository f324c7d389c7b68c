#include "compiler/models/catalogue.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/models/bert.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/llama.h"

namespace nuri::ir {
namespace {

// The dims a family publishes, overridden by the given sizes, checked as flags.
struct Dims {
  int64_t layers, d_model, heads, vocab, seq, past = 0, capacity = 0, batch = 1;
  bool kv_cache = false;
};

Dims resolve(const std::string& name, Dims d, const ModelSizes& s) {
  const auto take = [&](const std::optional<int64_t>& v, int64_t& dst, const char* flag) {
    if (!v) return;
    if (*v < 1 || *v > (int64_t{1} << 24))
      throw Error(fmt::format("{} {} for built-in model '{}': must be between 1 and 16777216", flag,
                              *v, name),
                  NURI_ERROR_INVALID_ARGUMENT);
    dst = *v;
  };
  take(s.layers, d.layers, "--layers");
  take(s.d_model, d.d_model, "--d-model");
  take(s.heads, d.heads, "--heads");
  take(s.vocab, d.vocab, "--vocab");
  take(s.seq, d.seq, "--seq");
  take(s.batch, d.batch, "--batch");
  if (s.past) {
    if (*s.past < 0 || *s.past > (int64_t{1} << 24))
      throw Error(fmt::format("--past {} for built-in model '{}': must be between 0 and 16777216",
                              *s.past, name),
                  NURI_ERROR_INVALID_ARGUMENT);
    d.past = *s.past;
    d.kv_cache = true;
  }
  if (s.kv_capacity) {
    if (*s.kv_capacity < d.seq || *s.kv_capacity > (int64_t{1} << 24) || d.past > 0)
      throw Error(fmt::format("KV cache capacity {} for built-in model '{}': must hold --seq {} "
                              "(at most 16777216) and cannot go with --past",
                              *s.kv_capacity, name, d.seq),
                  NURI_ERROR_INVALID_ARGUMENT);
    d.capacity = *s.kv_capacity;
    d.kv_cache = true;
  }
  if (d.d_model % d.heads != 0)
    throw Error(fmt::format("--heads {} does not divide --d-model {} (built-in model '{}')",
                            d.heads, d.d_model, name),
                NURI_ERROR_INVALID_ARGUMENT);
  return d;
}

int64_t llama_mlp(int64_t d_model) {
  // Llama's rule: 2/3 of 4 * d_model, rounded up to a multiple of 256 (4096 -> 11008).
  const int64_t raw = 8 * d_model / 3;
  return (raw + 255) / 256 * 256;
}

}  // namespace

const std::vector<std::string>& builtin_model_names() {
  static const std::vector<std::string> names{"demo", "gpt2-small", "bert-base", "llama2-7b"};
  return names;
}

BuiltinModel build_builtin_model(const std::string& name, const ModelSizes& sizes, uint64_t seed,
                                 bool with_weights) {
  BuiltinModel m;
  Dims d{};
  if (name == "demo" || name == "gpt2-small") {
    const bool small = name == "gpt2-small";
    d = resolve(name, small ? Dims{12, 768, 12, 50257, 128} : Dims{2, 128, 4, 512, 32}, sizes);
    Gpt2Config c{d.layers, d.d_model, d.heads, d.vocab, d.seq, 0, 0, seed, with_weights};
    c.batch = d.batch;
    c.kv_cache = d.kv_cache;
    c.past = d.past;
    c.capacity = d.capacity;
    // GPT-2's 1024 positions; with a KV cache the demo keeps them too, so its prefill and
    // decode graphs (whose seq and past differ) share their weights.
    if (small || d.kv_cache) c.max_pos = std::max({int64_t{1024}, d.past + d.seq, d.capacity});
    m.graph = build_gpt2(c);
    m.kv_heads = d.heads;
  } else if (name == "bert-base") {
    BertConfig c;
    d = resolve(name, {c.layers, c.d_model, c.heads, c.vocab, c.seq}, sizes);
    if (d.kv_cache)
      throw Error("--past: built-in model 'bert-base' is an encoder and has no KV cache",
                  NURI_ERROR_INVALID_ARGUMENT);
    if (d.batch != 1)
      throw Error(fmt::format("--batch {}: built-in model 'bert-base' takes one sequence", d.batch),
                  NURI_ERROR_INVALID_ARGUMENT);
    c.layers = d.layers;
    if (d.d_model != c.d_model) c.mlp = 4 * d.d_model;
    c.d_model = d.d_model;
    c.heads = d.heads;
    c.vocab = d.vocab;
    c.seq = d.seq;
    c.max_pos = std::max(c.max_pos, d.seq);
    c.seed = seed;
    c.with_weights = with_weights;
    m.graph = build_bert(c);
    m.has_logits = false;
  } else if (name == "llama2-7b") {
    LlamaConfig c;
    d = resolve(name, {c.layers, c.d_model, c.heads, c.vocab, c.seq}, sizes);
    if ((d.d_model / d.heads) % 2 != 0)
      throw Error(fmt::format("--d-model {} / --heads {} gives head size {}, but llama2-7b's "
                              "rotary embedding needs an even head size",
                              d.d_model, d.heads, d.d_model / d.heads),
                  NURI_ERROR_INVALID_ARGUMENT);
    if (d.d_model != c.d_model) c.mlp = llama_mlp(d.d_model);
    c.layers = d.layers;
    c.d_model = d.d_model;
    c.heads = d.heads;
    c.vocab = d.vocab;
    c.seq = d.seq;
    c.batch = d.batch;
    c.kv_cache = d.kv_cache;
    c.past = d.past;
    c.capacity = d.capacity;
    c.seed = seed;
    c.with_weights = with_weights;
    m.graph = build_llama(c);
    m.kv_heads = c.kv_heads > 0 ? c.kv_heads : c.heads;
  } else {
    throw Error(fmt::format("unknown built-in model '{}' ({})", name,
                            fmt::join(builtin_model_names(), ", ")),
                NURI_ERROR_INVALID_ARGUMENT);
  }
  m.layers = d.layers;
  m.d_model = d.d_model;
  m.heads = d.heads;
  m.vocab = d.vocab;
  m.seq = d.seq;
  m.batch = d.batch;
  m.kv_cache = d.kv_cache;
  m.past = d.past;
  m.kv_capacity = d.capacity;
  Gpt2Config ids;
  ids.vocab = d.vocab;
  ids.seq = d.seq;
  ids.batch = d.batch;
  ids.seed = seed;
  m.ids = gpt2_demo_ids(ids);
  return m;
}

}  // namespace nuri::ir
