#include "bench/cpu/gpt2_block.h"

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"

namespace nuri::bench {

ir::Graph build_gpt2_block(const BlockConfig& c) {
  using ir::OpKind;
  using ir::ValueId;
  ir::GraphBuilder b("gpt2_block");
  ir::SeededRandom rng(c.seed);
  const auto weight = [&](const char* name, Shape shape, double stddev, double lo = 0.0,
                          double hi = 0.0) {
    Tensor t(DType::F32, std::move(shape));
    for (int64_t i = 0; i < t.numel(); ++i)
      t.data_as<float>()[i] =
          static_cast<float>(stddev > 0 ? rng.normal() * stddev : rng.uniform(lo, hi));
    return b.constant(name, std::move(t));
  };
  const int64_t s = c.seq, d = c.d_model, h = c.heads, dh = d / h;
  const ValueId x = b.input("x", DType::F32, {1, s, d});
  const auto layer_norm = [&](ValueId in, const char* g, const char* bb) {
    return b.add1(OpKind::LayerNorm,
                  {in, weight(g, {d}, 0, 0.5, 1.5), weight(bb, {d}, 0, -0.1, 0.1)},
                  {{"epsilon", 1e-5}});
  };
  const auto linear = [&](ValueId in, const char* w, const char* bias, int64_t k, int64_t n) {
    return b.add_(b.matmul(in, weight(w, {k, n}, 0.02)), weight(bias, {n}, 0, -0.02, 0.02));
  };
  const ValueId qkv = linear(layer_norm(x, "ln1.g", "ln1.b"), "qkv.w", "qkv.b", d, 3 * d);
  const auto parts = b.add(OpKind::Split, {qkv},
                           {{"axis", int64_t{2}}, {"split", std::vector<int64_t>{d, d, d}}}, 3);
  const auto heads = [&](ValueId t) {
    return b.transpose(b.reshape(t, {1, s, h, dh}), {0, 2, 1, 3});
  };
  const ValueId att = b.add1(OpKind::Attention, {heads(parts[0]), heads(parts[1]), heads(parts[2])},
                             {{"causal", int64_t{1}}});
  const ValueId merged = b.reshape(b.transpose(att, {0, 2, 1, 3}), {1, s, d});
  const ValueId x1 = b.add_(x, linear(merged, "proj.w", "proj.b", d, d));
  const ValueId up = linear(layer_norm(x1, "ln2.g", "ln2.b"), "fc1.w", "fc1.b", d, c.mlp);
  const ValueId act = b.add1(OpKind::Gelu, {up}, {{"approximate", std::string("tanh")}});
  b.output(b.add_(x1, linear(act, "fc2.w", "fc2.b", c.mlp, d)));
  return b.build();
}

}  // namespace nuri::bench
