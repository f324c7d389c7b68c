#include "compiler/models/bert.h"

#include <fmt/format.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "compiler/models/weight_maker.h"
#include "nuri/error.hpp"

namespace nuri::ir {

Graph build_bert(const BertConfig& c) {
  if (c.layers < 1 || c.d_model < 1 || c.heads < 1 || c.vocab < 1 || c.seq < 1 || c.mlp < 1)
    throw Error("bert: layers, d_model, heads, mlp, vocab and seq must be positive");
  if (c.d_model % c.heads != 0)
    throw Error(fmt::format("bert: d_model {} is not divisible by heads {}", c.d_model, c.heads));
  if (c.max_pos < c.seq) throw Error("bert: max_pos is smaller than seq");
  const int64_t d = c.d_model, h = c.heads, dh = d / h, s = c.seq;
  const double std_w = 0.02;  // BERT's initializer_range

  GraphBuilder b(fmt::format("bert_L{}_d{}_h{}_s{}", c.layers, d, h, s));
  WeightMaker w(b, c.seed, c.with_weights);
  const ValueId ids = b.input("ids", DType::I64, {1, s});
  Tensor positions(DType::I64, {1, s}), types(DType::I64, {1, s});
  for (int64_t i = 0; i < s; ++i) {
    positions.data_as<int64_t>()[i] = i;
    types.data_as<int64_t>()[i] = 0;
  }
  const ValueId pos = b.constant("positions", std::move(positions));
  const ValueId tt = b.constant("token_types", std::move(types));
  const auto layer_norm = [&](ValueId in, const std::string& name) {
    return b.add1(OpKind::LayerNorm,
                  {in, w.make(name + ".gamma", {d}, 0, 1.0f), w.make(name + ".beta", {d}, 0, 0.0f)},
                  {{"epsilon", 1e-12}}, name);
  };
  const auto linear = [&](ValueId in, const std::string& name, int64_t n) {
    ValueId y = b.matmul(in, w.make(name + ".weight", {b.type(in).shape.back(), n}, std_w));
    return b.add_(y, w.make(name + ".bias", {n}, 0, 0.0f));
  };
  const auto heads_first = [&](ValueId t) {  // [1, S, D] -> [1, H, S, Dh]
    return b.transpose(b.reshape(t, {1, s, h, dh}), {0, 2, 1, 3});
  };

  ValueId x = b.add_(
      b.add_(b.add1(OpKind::Embedding, {w.make("word_embeddings", {c.vocab, d}, std_w), ids}, {},
                    "word_embed"),
             b.add1(OpKind::Embedding, {w.make("position_embeddings", {c.max_pos, d}, std_w), pos},
                    {}, "pos_embed")),
      b.add1(OpKind::Embedding, {w.make("token_type_embeddings", {2, d}, std_w), tt}, {},
             "type_embed"));
  x = layer_norm(x, "embeddings.LayerNorm");
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = fmt::format("layer{}.", l);
    const ValueId q = heads_first(linear(x, p + "attention.query", d));
    const ValueId k = heads_first(linear(x, p + "attention.key", d));
    const ValueId v = heads_first(linear(x, p + "attention.value", d));
    const ValueId att = b.add1(OpKind::Attention, {q, k, v}, {{"causal", int64_t{0}}}, p + "attn");
    const ValueId merged = b.reshape(b.transpose(att, {0, 2, 1, 3}), {1, s, d});
    x = layer_norm(b.add_(x, linear(merged, p + "attention.output", d)), p + "attention.LayerNorm");
    const ValueId up = linear(x, p + "intermediate", c.mlp);
    const ValueId act =
        b.add1(OpKind::Gelu, {up}, {{"approximate", std::string("none")}}, p + "gelu");
    x = layer_norm(b.add_(x, linear(act, p + "output", d)), p + "output.LayerNorm");
  }
  b.output(x);
  return b.build();
}

}  // namespace nuri::ir
