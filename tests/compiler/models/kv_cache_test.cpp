// The built-in decoders' KV cache: a decode step fed the keys and values of a prefill gives the
// rows a full prefill over all positions gives (logits and cache), within f32 tolerance, for
// GPT-2 and Llama shapes (multi-head and grouped-query), run on the reference executor.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "compiler/ir/builder.h"
#include "compiler/models/catalogue.h"
#include "compiler/models/llama.h"
#include "devices/ref/ref_program.h"

namespace nuri::ir {
namespace {

// Builds the model at (seq, past) with a KV cache; past 0 is the prefill.
using Builder = std::function<Graph(int64_t seq, int64_t past)>;

Tensor ids_of(const std::vector<int64_t>& tokens, size_t from, size_t to) {
  Tensor t(DType::I64, {1, static_cast<int64_t>(to - from)});
  for (size_t i = from; i < to; ++i) t.data_as<int64_t>()[i - from] = tokens[i];
  return t;
}

// Expects b[0, h, i, j] == a[0, h, offset + i, j] for every row i of b (rank 4, or the rows of
// a rank-3 [1, rows, width] tensor when heads is 1).
void expect_rows_match(const Tensor& a, const Tensor& b, int64_t offset, const std::string& what) {
  const Shape &sa = a.shape(), &sb = b.shape();
  ASSERT_EQ(sa.size(), sb.size()) << what;
  const bool r4 = sa.size() == 4;
  const int64_t heads = r4 ? sa[1] : 1, ra = sa[sa.size() - 2], rb = sb[sb.size() - 2],
                w = sa.back();
  double max_err = 0, max_abs = 0;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < rb; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const float x = a.data_as<float>()[(h * ra + offset + i) * w + j];
        const float y = b.data_as<float>()[(h * rb + i) * w + j];
        max_err = std::max(max_err, static_cast<double>(std::fabs(x - y)));
        max_abs = std::max(max_abs, static_cast<double>(std::fabs(x)));
      }
  // f32 with a different summation order over a few hundred terms: a few ulps of the scale.
  EXPECT_LE(max_err, 1e-5 * std::max(1.0, max_abs)) << what;
  EXPECT_GT(max_abs, 0.0) << what << ": all zeros compares nothing";
}

void expect_decode_matches_prefill(const Builder& build, int64_t layers, int64_t vocab,
                                   int64_t past, int64_t step) {
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < past + step; ++i) tokens.push_back((7 * i + 3) % vocab);
  const size_t p = static_cast<size_t>(past), all = tokens.size();

  ref::RefProgram full(build(past + step, 0));
  const auto full_out = full.run({ids_of(tokens, 0, all)});
  ref::RefProgram prefill(build(past, 0));
  const auto pre_out = prefill.run({ids_of(tokens, 0, p)});
  ASSERT_EQ(pre_out.size(), 1 + 2 * static_cast<size_t>(layers));

  ref::RefProgram decode(build(step, past));
  std::vector<Tensor> in{ids_of(tokens, p, all)};
  for (size_t i = 1; i < pre_out.size(); ++i) in.push_back(pre_out[i]);  // k0, v0, k1, v1, ...
  const auto dec_out = decode.run(in);
  ASSERT_EQ(dec_out.size(), full_out.size());
  expect_rows_match(full_out[0], dec_out[0], past, "logits");
  for (size_t i = 1; i < dec_out.size(); ++i) {
    EXPECT_EQ(dec_out[i].shape(), full_out[i].shape()) << "present " << i;
    expect_rows_match(full_out[i], dec_out[i], 0, "present " + std::to_string(i));
  }
}

Builder catalogue(const std::string& name, ModelSizes sizes) {
  return [=](int64_t seq, int64_t past) {
    ModelSizes s = sizes;
    s.seq = seq;
    s.past = past;
    return build_builtin_model(name, s, 7).graph;
  };
}

const ModelSizes kTiny{.layers = 2, .d_model = 32, .heads = 4, .vocab = 61};

TEST(KvCache, Gpt2DecodeStepEqualsFullPrefillRows) {
  expect_decode_matches_prefill(catalogue("gpt2-small", kTiny), 2, 61, 5, 1);
  expect_decode_matches_prefill(catalogue("demo", kTiny), 2, 61, 5, 1);
}

TEST(KvCache, LlamaDecodeStepEqualsFullPrefillRows) {
  expect_decode_matches_prefill(catalogue("llama2-7b", kTiny), 2, 61, 5, 1);
}

TEST(KvCache, GroupedQueryLlamaDecodeOfSeveralTokensEqualsFullPrefillRows) {
  const Builder gqa = [](int64_t seq, int64_t past) {
    LlamaConfig c;
    c.layers = 2;
    c.d_model = 32;
    c.heads = 4;
    c.kv_heads = 2;
    c.mlp = 48;
    c.vocab = 61;
    c.seq = seq;
    c.kv_cache = true;
    c.past = past;
    return build_llama(c);
  };
  expect_decode_matches_prefill(gqa, 2, 61, 6, 3);
}

TEST(KvCache, DecodeGraphNamesItsCacheInputsAndOutputs) {
  ModelSizes s = kTiny;
  s.seq = 1;
  s.past = 9;
  const BuiltinModel m = build_builtin_model("llama2-7b", s, 1, false);
  EXPECT_TRUE(m.kv_cache);
  EXPECT_EQ(m.past, 9);
  EXPECT_EQ(m.kv_heads, 4);
  const Graph& g = m.graph;
  ASSERT_EQ(g.inputs().size(), 5u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "ids");
  EXPECT_EQ(g.value(g.inputs()[3]).name, "past_key.1");
  EXPECT_EQ(g.value(g.inputs()[4]).type.shape, (Shape{1, 4, 9, 8}));
  ASSERT_EQ(g.outputs().size(), 5u);
  EXPECT_EQ(g.value(g.outputs()[0]).type.shape, (Shape{1, 1, 61}));
  EXPECT_EQ(g.value(g.outputs()[2]).name, "present_value.0");
  EXPECT_EQ(g.value(g.outputs()[4]).type.shape, (Shape{1, 4, 10, 8}));
}

// Attention's kv_len (a cache updated in place) comes with a past and present outputs, no mask,
// and room for the new keys; the present keeps the cache's capacity.
TEST(KvCache, KvLenContract) {
  const auto attention = [](bool past, bool mask, size_t outputs, int64_t capacity) {
    GraphBuilder b;
    const ValueId q = b.input("q", DType::F32, {1, 2, 2, 8});
    const ValueId k = b.input("k", DType::F32, {1, 2, 2, 8});
    const ValueId v = b.input("v", DType::F32, {1, 2, 2, 8});
    const ValueId m = mask ? b.input("m", DType::Bool, {1, 1, 2, capacity}) : kNoValue;
    const ValueId pk = past ? b.input("pk", DType::F32, {1, 2, capacity, 8}) : kNoValue;
    const ValueId pv = past ? b.input("pv", DType::F32, {1, 2, capacity, 8}) : kNoValue;
    const ValueId n = b.input("n", DType::I64, {1});
    std::string error = "(no error)";
    try {
      const auto out = b.add(OpKind::Attention, {q, k, v, m, pk, pv, n}, {}, outputs);
      return b.type(out.back()).shape == Shape{1, 2, capacity, 8} ? std::string("ok") : error;
    } catch (const Error& e) {
      error = e.what();
    }
    return error;
  };
  EXPECT_EQ(attention(true, false, 3, 6), "ok");
  EXPECT_NE(attention(false, false, 3, 6).find("kv_len needs past_k and past_v"),
            std::string::npos);
  EXPECT_NE(attention(true, true, 3, 6).find("mask"), std::string::npos);
  EXPECT_NE(attention(true, false, 1, 6).find("present"), std::string::npos);
  EXPECT_NE(attention(true, false, 3, 1).find("do not fit a cache of capacity 1"),
            std::string::npos);
}

TEST(KvCache, PastIsRefusedWhereItMakesNoSense) {
  const auto error_of = [](const std::string& name, int64_t past) -> std::string {
    try {
      build_builtin_model(name, {.past = past}, 1, false);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of("bert-base", 4).find("bert-base"), std::string::npos);
  EXPECT_NE(error_of("gpt2-small", -1).find("--past -1"), std::string::npos);
}

}  // namespace
}  // namespace nuri::ir
