#include "compiler/models/llama.h"

#include <fmt/format.h>

#include <cmath>

#include "compiler/ir/builder.h"
#include "compiler/models/kv_cache.h"
#include "compiler/models/seeded_random.h"
#include "compiler/models/weight_maker.h"
#include "nuri/error.hpp"

namespace nuri::ir {

Graph build_llama(const LlamaConfig& c) {
  const int64_t kvh = c.kv_heads > 0 ? c.kv_heads : c.heads;
  if (c.layers < 1 || c.d_model < 1 || c.heads < 1 || c.vocab < 1 || c.seq < 1 || c.mlp < 1 ||
      c.batch < 1)
    throw Error("llama: layers, d_model, heads, mlp, vocab, seq and batch must be positive");
  if (c.d_model % c.heads != 0)
    throw Error(fmt::format("llama: d_model {} is not divisible by heads {}", c.d_model, c.heads));
  if (c.heads % kvh != 0)
    throw Error(fmt::format("llama: heads {} is not a multiple of kv_heads {}", c.heads, kvh));
  const int64_t d = c.d_model, h = c.heads, dh = d / h, s = c.seq, bs = c.batch;
  if (c.past < 0) throw Error(fmt::format("llama: past {} is negative", c.past));
  if (c.capacity < 0 || (c.capacity > 0 && (c.past > 0 || c.capacity < c.seq)))
    throw Error(fmt::format("llama: capacity {} must hold seq {} (and excludes past {})",
                            c.capacity, c.seq, c.past));
  if (dh % 2 != 0) throw Error(fmt::format("llama: head dim {} must be even for rotary", dh));
  const double std_w = 0.02, std_res = 0.02 / std::sqrt(2.0 * static_cast<double>(c.layers));

  GraphBuilder b(fmt::format("llama_L{}_d{}_h{}_kv{}_s{}{}{}", c.layers, d, h, kvh, s,
                             c.past > 0 ? fmt::format("_past{}", c.past) : "",
                             bs > 1 ? fmt::format("_b{}", bs) : ""));
  WeightMaker w(b, c.seed, c.with_weights);
  const ValueId ids = b.input("ids", DType::I64, {bs, s});
  const ValueId positions = c.capacity > 0 ? b.input("positions", DType::I64, {bs, s}) : kNoValue;
  KvCache cache(b, c.layers, kvh, dh, c.kv_cache, c.past, c.capacity, bs);
  // Rotary tables for positions past..past+s-1, or 0..capacity-1 looked up by the positions
  // input (always real: small): angle(p, i) = p * theta^(-2i / dh).
  const int64_t rows = c.capacity > 0 ? c.capacity : s, first = c.capacity > 0 ? 0 : c.past;
  Tensor cos_t(DType::F32, {rows, dh / 2}), sin_t(DType::F32, {rows, dh / 2});
  for (int64_t p = 0; p < rows; ++p)
    for (int64_t i = 0; i < dh / 2; ++i) {
      const double a = static_cast<double>(first + p) *
                       std::pow(c.rope_theta, -2.0 * static_cast<double>(i) / double(dh));
      cos_t.data_as<float>()[p * (dh / 2) + i] = static_cast<float>(std::cos(a));
      sin_t.data_as<float>()[p * (dh / 2) + i] = static_cast<float>(std::sin(a));
    }
  const ValueId cosv = b.constant("rope_cos", std::move(cos_t));
  const ValueId sinv = b.constant("rope_sin", std::move(sin_t));

  const auto rms_norm = [&](ValueId in, const std::string& name) {
    return b.add1(OpKind::RMSNorm, {in, w.make(name + ".weight", {d}, 0, 1.0f)},
                  {{"epsilon", c.norm_eps}}, name);
  };
  const auto proj = [&](ValueId in, const std::string& name, int64_t n, double stddev) {
    return b.matmul(in, w.make(name + ".weight", {b.type(in).shape.back(), n}, stddev));
  };
  const auto heads_first = [&](ValueId t, int64_t nh) {  // [B, S, nh*Dh] -> [B, nh, S, Dh]
    return b.transpose(b.reshape(t, {bs, s, nh, dh}), {0, 2, 1, 3});
  };

  ValueId x =
      b.add1(OpKind::Embedding, {w.make("embed_tokens", {c.vocab, d}, std_w), ids}, {}, "embed");
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string p = fmt::format("layers.{}.", l);
    const ValueId hn = rms_norm(x, p + "input_layernorm");
    const auto rope = [&](ValueId t, const std::string& name) {
      if (positions != kNoValue)
        return b.add1(OpKind::RotaryEmbedding, {t, cosv, sinv, positions}, {}, name);
      return b.add1(OpKind::RotaryEmbedding, {t, cosv, sinv}, {}, name);
    };
    const ValueId q = rope(heads_first(proj(hn, p + "q_proj", d, std_w), h), p + "q_rope");
    const ValueId k = rope(heads_first(proj(hn, p + "k_proj", kvh * dh, std_w), kvh), p + "k_rope");
    const ValueId v = heads_first(proj(hn, p + "v_proj", kvh * dh, std_w), kvh);
    const ValueId att = cache.attend(l, q, k, v, p + "attn");
    const ValueId merged = b.reshape(b.transpose(att, {0, 2, 1, 3}), {bs, s, d});
    x = b.add_(x, proj(merged, p + "o_proj", d, std_res));
    const ValueId hn2 = rms_norm(x, p + "post_attention_layernorm");
    const ValueId gate =
        b.add1(OpKind::Silu, {proj(hn2, p + "gate_proj", c.mlp, std_w)}, {}, p + "silu");
    const ValueId up = proj(hn2, p + "up_proj", c.mlp, std_w);
    x = b.add_(x, proj(b.mul(gate, up), p + "down_proj", d, std_res));
  }
  const ValueId xf = rms_norm(x, "norm");
  b.output(proj(xf, "lm_head", c.vocab, std_w));
  cache.output_presents();
  return b.build();
}

}  // namespace nuri::ir
