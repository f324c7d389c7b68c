#include "compiler/models/gpt2.h"

#include <fmt/format.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "compiler/models/kv_cache.h"
#include "compiler/models/seeded_random.h"
#include "compiler/models/weight_maker.h"
#include "nuri/error.hpp"

namespace nuri::ir {

Graph build_gpt2(const Gpt2Config& c) {
  if (c.layers < 1 || c.d_model < 1 || c.heads < 1 || c.vocab < 1 || c.seq < 1 || c.batch < 1)
    throw Error("gpt2: layers, d_model, heads, vocab, seq and batch must be positive");
  if (c.d_model % c.heads != 0)
    throw Error(fmt::format("gpt2: d_model {} is not divisible by heads {}", c.d_model, c.heads));
  const int64_t d = c.d_model, h = c.heads, dh = d / h, s = c.seq, bs = c.batch;
  const int64_t mlp = c.mlp > 0 ? c.mlp : 4 * d;
  if (c.past < 0) throw Error(fmt::format("gpt2: past {} is negative", c.past));
  if (c.capacity < 0 || (c.capacity > 0 && (c.past > 0 || c.capacity < s)))
    throw Error(fmt::format("gpt2: capacity {} must hold seq {} (and excludes past {})", c.capacity,
                            s, c.past));
  const int64_t needed = std::max(c.past + s, c.capacity);
  const int64_t max_pos = c.max_pos > 0 ? c.max_pos : needed;
  if (max_pos < needed)
    throw Error(fmt::format("gpt2: past {} + seq {} (or capacity {}) exceeds max_pos {}", c.past, s,
                            c.capacity, max_pos));
  // GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 * layers).
  const double std_w = 0.02, std_res = 0.02 / std::sqrt(2.0 * static_cast<double>(c.layers));

  GraphBuilder b(fmt::format("gpt2_L{}_d{}_h{}_v{}_s{}{}{}", c.layers, d, h, c.vocab, s,
                             c.past > 0 ? fmt::format("_past{}", c.past) : "",
                             bs > 1 ? fmt::format("_b{}", bs) : ""));
  WeightMaker w(b, c.seed, c.with_weights);
  const ValueId ids = b.input("ids", DType::I64, {bs, s});
  const ValueId positions_in =
      c.capacity > 0 ? b.input("positions", DType::I64, {bs, s}) : kNoValue;
  KvCache cache(b, c.layers, h, dh, c.kv_cache, c.past, c.capacity, bs);
  const ValueId wte = w.make("wte", {c.vocab, d}, std_w);
  const ValueId wpe = w.make("wpe", {max_pos, d}, 0.01);
  // Constant positions repeat per sequence ([B, S]), so the embeddings add without a broadcast
  // (which not every device lowers).
  Tensor positions(DType::I64, {bs, s});
  for (int64_t i = 0; i < bs * s; ++i) positions.data_as<int64_t>()[i] = c.past + i % s;
  const ValueId pos =
      positions_in != kNoValue ? positions_in : b.constant("positions", std::move(positions));
  ValueId x = b.add_(b.add1(OpKind::Embedding, {wte, ids}, {}, "tok_embed"),
                     b.add1(OpKind::Embedding, {wpe, pos}, {}, "pos_embed"));

  const auto heads_first = [&](ValueId t) {  // [B, S, D] -> [B, H, S, Dh]
    return b.transpose(b.reshape(t, {bs, s, h, dh}), {0, 2, 1, 3});
  };
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = fmt::format("h{}.", l);
    const auto layer_norm = [&](ValueId in, const std::string& name) {
      return b.add1(
          OpKind::LayerNorm,
          {in, w.make(p + name + ".g", {d}, 0, 1.0f), w.make(p + name + ".b", {d}, 0, 0.0f)},
          {{"epsilon", 1e-5}}, p + name);
    };
    const auto linear = [&](ValueId in, const std::string& name, int64_t n, double stddev) {
      ValueId y = b.matmul(in, w.make(p + name + ".w", {b.type(in).shape.back(), n}, stddev));
      return b.add_(y, w.make(p + name + ".bias", {n}, 0, 0.0f));
    };
    const ValueId qkv = linear(layer_norm(x, "ln_1"), "attn.c_attn", 3 * d, std_w);
    const auto parts =
        b.add(OpKind::Split, {qkv},
              {{"axis", int64_t{2}}, {"split", std::vector<int64_t>{d, d, d}}}, 3, p + "qkv_split");
    const ValueId q = heads_first(parts[0]), k = heads_first(parts[1]), v = heads_first(parts[2]);
    const ValueId att = cache.attend(l, q, k, v, p + "attn");
    const ValueId merged = b.reshape(b.transpose(att, {0, 2, 1, 3}), {bs, s, d});
    x = b.add_(x, linear(merged, "attn.c_proj", d, std_res));
    const ValueId up = linear(layer_norm(x, "ln_2"), "mlp.c_fc", mlp, std_w);
    const ValueId act =
        b.add1(OpKind::Gelu, {up}, {{"approximate", std::string("tanh")}}, p + "gelu");
    x = b.add_(x, linear(act, "mlp.c_proj", d, std_res));
  }
  const ValueId xf =
      b.add1(OpKind::LayerNorm, {x, w.make("ln_f.g", {d}, 0, 1.0f), w.make("ln_f.b", {d}, 0, 0.0f)},
             {{"epsilon", 1e-5}}, "ln_f");
  // Tied output embedding: logits = x * wte^T.
  const ValueId flat = b.reshape(xf, {bs * s, d});
  const ValueId logits2d = b.add1(OpKind::Gemm, {flat, wte}, {{"transB", int64_t{1}}}, "lm_head");
  const ValueId logits =
      b.add1(OpKind::Reshape, {logits2d}, {{"shape", Shape{bs, s, c.vocab}}}, "logits");
  b.output(logits);
  cache.output_presents();
  return b.build();
}

}  // namespace nuri::ir

namespace nuri::ir {
Tensor gpt2_demo_ids(const Gpt2Config& config) {
  Tensor ids(DType::I64, {config.batch, config.seq});
  SeededRandom rng(config.seed ^ 0x1d5u);
  for (int64_t i = 0; i < config.batch * config.seq; ++i)
    ids.data_as<int64_t>()[i] = rng.integer(0, config.vocab);
  return ids;
}
}  // namespace nuri::ir
