// Each op the cpu engine accelerates, as a small graph, against RefProgram. f32 tolerances:
// matmuls 1e-5 abs + 1e-5 rel for K <= 256 on inputs in [-1, 1] (oneDNN sums in another
// order); row ops and activations as in fast_kernels_test; data movement exact.
#include <gtest/gtest.h>

#include "compiler/ir/builder.h"
#include "nuri/error.hpp"
#include "tests/devices/cpu/program_test_util.h"

namespace nuri::cpu::test {
namespace {

using ir::GraphBuilder;
using ir::OpKind;
using ir::ValueId;

TEST(CpuProgramOps, MatMulWithConstantWeights) {
  GraphBuilder b;
  const ValueId a = b.input("a", DType::F32, {2, 5, 64});
  b.output(b.matmul(a, b.constant("w", random_tensor({64, 48}, 2))));
  const std::string d = expect_matches_ref(b.build(), {random_tensor({2, 5, 64}, 1)}, {});
  EXPECT_NE(d.find("matmul"), std::string::npos) << d;
}

TEST(CpuProgramOps, MatMulBiasGeluFuseIntoOnePrimitive) {
  for (const char* approx : {"tanh", "none"}) {
    GraphBuilder b;
    const ValueId a = b.input("a", DType::F32, {1, 7, 96});
    const ValueId y = b.add_(b.matmul(a, b.constant("w", random_tensor({96, 200}, 3))),
                             b.constant("bias", random_tensor({200}, 4)));
    b.output(b.add1(OpKind::Gelu, {y}, {{"approximate", std::string(approx)}}, "gelu"));
    const std::string d = expect_matches_ref(b.build(), {random_tensor({1, 7, 96}, 5)}, {});
    EXPECT_NE(d.find("+gelu"), std::string::npos) << d;
    EXPECT_EQ(d.find("ref"), std::string::npos) << d;
  }
}

TEST(CpuProgramOps, MatMulBiasResidualFuse) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {1, 6, 32});
  const ValueId h = b.add1(OpKind::Relu, {x}, {}, "pre");  // the residual, computed first
  const ValueId y = b.add_(b.matmul(h, b.constant("w", random_tensor({32, 32}, 3))),
                           b.constant("bias", random_tensor({32}, 4)));
  b.output(b.add1(OpKind::Add, {h, y}, {}, "residual"));
  const std::string d = expect_matches_ref(b.build(), {random_tensor({1, 6, 32}, 5)}, {});
  EXPECT_NE(d.find("+residual"), std::string::npos) << d;
}

// QuantizeLinear(u8) -> DequantizeLinear -> MatMul against DequantizeLinear(const s8 weights,
// per-column scales): one oneDNN int8 matmul reading the uint8 tensor, the dequantize nodes
// folded away. The int32 sum is exact where ref sums dequantized f32 products, so they differ
// by f32 rounding of K = 96 products of magnitude <= 1.3: 1e-4 abs + 1e-5 rel.
TEST(CpuProgramOps, QdqMatMulRunsOnInt8Matmul) {
  const int64_t k = 96, n = 40;
  Tensor w(DType::I8, {k, n});
  ir::SeededRandom rng(9);
  for (int64_t i = 0; i < w.numel(); ++i)
    w.data_as<int8_t>()[i] = static_cast<int8_t>(rng.integer(-128, 128));
  Tensor w_scale(DType::F32, {n});
  for (int64_t j = 0; j < n; ++j) w_scale.data_as<float>()[j] = 0.002f + 0.0001f * j;
  Tensor x_scale(DType::F32, {}), x_zp(DType::U8, {});
  *x_scale.data_as<float>() = 2.0f / 255;
  *x_zp.data_as<uint8_t>() = 130;
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {2, 7, k});
  const ValueId xs = b.constant("x_scale", x_scale), xz = b.constant("x_zp", x_zp);
  const ValueId xq = b.add1(OpKind::QuantizeLinear, {x, xs, xz}, {}, "q");
  const ValueId xd = b.add1(OpKind::DequantizeLinear, {xq, xs, xz}, {}, "dq_x");
  const ValueId wd =
      b.add1(OpKind::DequantizeLinear, {b.constant("w", w), b.constant("w_scale", w_scale)},
             {{"axis", int64_t{1}}}, "dq_w");
  b.output(b.matmul(xd, wd));
  const std::string d = expect_matches_ref(b.build(), {random_tensor({2, 7, k}, 8)}, {1e-4, 1e-5});
  EXPECT_NE(d.find("int8-matmul"), std::string::npos) << d;
  EXPECT_EQ(d.find("dq_"), std::string::npos) << d;  // both dequantizes folded away
}

TEST(CpuProgramOps, MatMulRuntimeOperandsAndBroadcast) {
  struct Case {
    Shape a, b;
  };
  for (const Case& c : {Case{{2, 3, 8, 16}, {2, 3, 16, 10}}, Case{{1, 8, 16}, {4, 16, 10}},
                        Case{{3, 8, 16}, {1, 16, 10}}, Case{{16}, {16, 8}}, Case{{3, 16}, {16}}}) {
    GraphBuilder b;
    const ValueId x = b.input("x", DType::F32, c.a), y = b.input("y", DType::F32, c.b);
    b.output(b.matmul(x, y));
    expect_matches_ref(b.build(), {random_tensor(c.a, 6), random_tensor(c.b, 7)}, {});
  }
}

TEST(CpuProgramOps, GemmTransposesAlphaBetaAndC) {
  const int64_t m = 9, n = 24, k = 40;
  {  // transA, transB, alpha folded into constant B, beta * constant C as bias
    GraphBuilder b;
    const ValueId a = b.input("a", DType::F32, {k, m});
    b.output(b.add1(
        OpKind::Gemm,
        {a, b.constant("w", random_tensor({n, k}, 8)), b.constant("c", random_tensor({n}, 9))},
        {{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}}));
    const std::string d = expect_matches_ref(b.build(), {random_tensor({k, m}, 10)}, {});
    EXPECT_NE(d.find("matmul"), std::string::npos) << d;
  }
  {  // runtime B and a runtime [M, N] C
    GraphBuilder b;
    const ValueId a = b.input("a", DType::F32, {m, k}), w = b.input("w", DType::F32, {k, n}),
                  c = b.input("c", DType::F32, {m, n});
    b.output(b.add1(OpKind::Gemm, {a, w, c}));
    const std::string d = expect_matches_ref(
        b.build(),
        {random_tensor({m, k}, 11), random_tensor({k, n}, 12), random_tensor({m, n}, 13)}, {});
    EXPECT_NE(d.find("matmul"), std::string::npos) << d;
  }
  {  // runtime C with beta != 1 falls back to the reference kernel, still correct
    GraphBuilder b;
    const ValueId a = b.input("a", DType::F32, {m, k}), c = b.input("c", DType::F32, {1, n});
    b.output(
        b.add1(OpKind::Gemm, {a, b.constant("w", random_tensor({k, n}, 14)), c}, {{"beta", 0.5}}));
    expect_matches_ref(b.build(), {random_tensor({m, k}, 15), random_tensor({1, n}, 16)}, {});
  }
}

TEST(CpuProgramOps, RowOps) {
  const Shape s{2, 3, 50};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, s);
  b.output(b.add1(OpKind::Softmax, {x}, {{"axis", int64_t{-1}}}));
  b.output(
      b.add1(OpKind::LayerNorm,
             {x, b.constant("g", random_tensor({50}, 2)), b.constant("b", random_tensor({50}, 3))},
             {{"epsilon", 1e-5}}));
  b.output(b.add1(OpKind::LayerNorm, {x, b.constant("g2", random_tensor({3, 50}, 4))},
                  {{"axis", int64_t{1}}}));
  b.output(b.add1(OpKind::RMSNorm, {x, b.constant("g3", random_tensor({50}, 5))}));
  const std::string d =
      expect_matches_ref(b.build(), {random_tensor(s, 1, -3.0f, 3.0f)}, {2e-6, 1e-5});
  EXPECT_EQ(d.find("ref"), std::string::npos) << d;
}

// Outputs at or above CpuOptions::streaming_store_bytes are written with non-temporal stores:
// the same values, whatever the row length (past the kernels' 1024-float staging buffer too)
// and the output's alignment. Threshold 1 byte streams every row op and activation.
TEST(CpuProgramOps, RowOpsAndActivationsStreamTheirOutputs) {
  CpuOptions streamed;
  streamed.streaming_store_bytes = 1;
  for (int64_t cols : {int64_t{7}, int64_t{50}, int64_t{1500}}) {
    const Shape s{3, cols};
    GraphBuilder b;
    const ValueId x = b.input("x", DType::F32, s);
    b.output(b.add1(OpKind::Softmax, {x}, {{"axis", int64_t{-1}}}));
    b.output(b.add1(
        OpKind::LayerNorm,
        {x, b.constant("g", random_tensor({cols}, 2)), b.constant("b", random_tensor({cols}, 3))},
        {{"epsilon", 1e-5}}));
    b.output(b.add1(OpKind::RMSNorm, {x, b.constant("g3", random_tensor({cols}, 5))}));
    b.output(b.add1(OpKind::Gelu, {x}, {{"approximate", std::string("tanh")}}));
    b.output(b.add1(OpKind::Gelu, {x}));
    const std::string d =
        expect_matches_ref(b.build(), {random_tensor(s, 1, -3.0f, 3.0f)}, {2e-6, 1e-5}, streamed);
    EXPECT_EQ(d.find("ref"), std::string::npos) << d;
    size_t streamed_steps = 0;
    for (size_t at = d.find("[streamed]"); at != std::string::npos;
         at = d.find("[streamed]", at + 1))
      ++streamed_steps;
    EXPECT_EQ(streamed_steps, 5u) << d;
  }
}

TEST(CpuProgramOps, SmallOutputsStayCached) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4, 64});
  b.output(b.add1(OpKind::Softmax, {x}, {{"axis", int64_t{-1}}}));
  CpuOptions options;
  options.streaming_store_bytes = 4 * 64 * 4 + 1;  // one byte more than the output
  const std::string d = expect_matches_ref(b.build(), {random_tensor({4, 64}, 1)}, {}, options);
  EXPECT_EQ(d.find("[streamed]"), std::string::npos) << d;
}

TEST(CpuProgramOps, SoftmaxOnInnerAxisUsesReference) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4, 6, 5});
  b.output(b.add1(OpKind::Softmax, {x}, {{"axis", int64_t{1}}}));
  const std::string d = expect_matches_ref(b.build(), {random_tensor({4, 6, 5}, 1)}, {});
  EXPECT_NE(d.find("ref"), std::string::npos) << d;
}

TEST(CpuProgramOps, Activations) {
  const Shape s{3, 333};
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, s);
  for (OpKind op : {OpKind::Relu, OpKind::Silu, OpKind::Sigmoid, OpKind::Tanh, OpKind::Exp})
    b.output(b.add1(op, {x}));
  b.output(b.add1(OpKind::Gelu, {x}, {{"approximate", std::string("tanh")}}));
  b.output(b.add1(OpKind::Gelu, {x}));
  const std::string d =
      expect_matches_ref(b.build(), {random_tensor(s, 1, -6.0f, 6.0f)}, {1e-6, 1e-5});
  EXPECT_EQ(d.find("ref"), std::string::npos) << d;
}

TEST(CpuProgramOps, BinaryBroadcasts) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {2, 4, 33}), y = b.input("y", DType::F32, {2, 4, 33});
  const ValueId row = b.input("row", DType::F32, {33}), col = b.input("col", DType::F32, {2, 4, 1});
  const ValueId mat = b.input("mat", DType::F32, {1, 4, 33});
  b.output(b.add_(x, y));
  b.output(b.add1(OpKind::Sub, {x, row}));
  b.output(b.add_(row, x));                 // broadcast first operand (commutes)
  b.output(b.add1(OpKind::Div, {x, mat}));  // trailing [4, 33]
  b.output(b.mul(x, b.constant("s", Tensor::from<float>(DType::F32, {1}, {0.5f}))));
  b.output(b.mul(x, col));  // not trailing: reference kernel
  const std::string d =
      expect_matches_ref(b.build(),
                         {random_tensor({2, 4, 33}, 1), random_tensor({2, 4, 33}, 2),
                          random_tensor({33}, 3, 0.5f, 2.0f), random_tensor({2, 4, 1}, 4),
                          random_tensor({1, 4, 33}, 5, 0.5f, 2.0f)},
                         {0.0, 1e-7});
  EXPECT_NE(d.find("binary"), std::string::npos) << d;
}

// The GPT-2 attention pattern: Split -> Reshape -> Transpose into Attention, Transpose ->
// Reshape out. The engine must read q/k/v in place and skip every copy.
ir::Graph attention_block(int64_t s, int64_t h, int64_t dh, bool causal) {
  GraphBuilder b;
  const int64_t d = h * dh;
  const ValueId qkv = b.input("qkv", DType::F32, {1, s, 3 * d});
  const auto parts = b.add(OpKind::Split, {qkv},
                           {{"axis", int64_t{2}}, {"split", std::vector<int64_t>{d, d, d}}}, 3);
  const auto heads = [&](ValueId t) {
    return b.transpose(b.reshape(t, {1, s, h, dh}), {0, 2, 1, 3});
  };
  const ValueId att = b.add1(OpKind::Attention, {heads(parts[0]), heads(parts[1]), heads(parts[2])},
                             {{"causal", int64_t{causal ? 1 : 0}}}, "attn");
  b.output(b.reshape(b.transpose(att, {0, 2, 1, 3}), {1, s, d}));
  return b.build();
}

TEST(CpuProgramOps, AttentionReadsPackedQkvInPlace) {
  for (bool causal : {true, false}) {
    const ir::Graph g = attention_block(37, 4, 16, causal);
    const std::string d =
        expect_matches_ref(g, {random_tensor({1, 37, 3 * 64}, 1, -2.0f, 2.0f)}, {2e-6, 1e-5});
    EXPECT_NE(d.find("attention attn"), std::string::npos) << d;
    EXPECT_EQ(d.find("ref"), std::string::npos) << d;  // no Split/Transpose left
    CpuProgram unfused(g, {.fuse = false});
    EXPECT_TRUE(describes(unfused, "ref"));  // the copies run when fusion is off
  }
}

TEST(CpuProgramOps, AttentionOnPlainInputsAndGroupedQuery) {
  GraphBuilder b;
  const ValueId q = b.input("q", DType::F32, {2, 4, 10, 32}),
                k = b.input("k", DType::F32, {2, 2, 14, 32}),
                v = b.input("v", DType::F32, {2, 2, 14, 24});
  b.output(b.add1(OpKind::Attention, {q, k, v}, {{"causal", int64_t{1}}, {"scale", 0.3}}));
  const std::string d =
      expect_matches_ref(b.build(),
                         {random_tensor({2, 4, 10, 32}, 1), random_tensor({2, 2, 14, 32}, 2),
                          random_tensor({2, 2, 14, 24}, 3)},
                         {2e-6, 1e-5});
  EXPECT_NE(d.find("attention"), std::string::npos) << d;
}

TEST(CpuProgramOps, AttentionWithMaskFallsBack) {
  GraphBuilder b;
  const ValueId q = b.input("q", DType::F32, {1, 2, 6, 8}),
                k = b.input("k", DType::F32, {1, 2, 6, 8}),
                v = b.input("v", DType::F32, {1, 2, 6, 8}),
                m = b.input("m", DType::F32, {1, 1, 6, 6});
  b.output(b.add1(OpKind::Attention, {q, k, v, m}));
  expect_matches_ref(b.build(),
                     {random_tensor({1, 2, 6, 8}, 1), random_tensor({1, 2, 6, 8}, 2),
                      random_tensor({1, 2, 6, 8}, 3), random_tensor({1, 1, 6, 6}, 4)},
                     {1e-6, 1e-6});
}

TEST(CpuProgramOps, OutputsThatAliasOtherBuffers) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4, 6});
  const ValueId y = b.add1(OpKind::Relu, {x});
  b.output(y);
  b.output(b.reshape(y, {24}));    // same buffer as an earlier output
  b.output(b.reshape(x, {6, 4}));  // an input's bytes
  b.output(y);                     // listed twice
  b.output(b.constant("c", random_tensor({3}, 9)));
  const ir::Graph g = b.build();
  expect_matches_ref(g, {random_tensor({4, 6}, 1)}, {0.0, 0.0});
  CpuProgram p(g);
  std::vector<Tensor> outs;
  p.run({random_tensor({4, 6}, 2)}, outs);  // reused output tensors on a second run
  p.run({random_tensor({4, 6}, 3)}, outs);
  ref::RefProgram r(g);
  const auto want = r.run({random_tensor({4, 6}, 3)});
  for (size_t i = 0; i < outs.size(); ++i) EXPECT_TRUE(all_close(outs[i], want[i], 0.0, 0.0)) << i;
}

TEST(CpuProgramOps, RejectsWrongInputs) {
  GraphBuilder b;
  b.output(b.add1(OpKind::Relu, {b.input("x", DType::F32, {2, 3})}));
  CpuProgram p(b.build());
  EXPECT_THROW(p.run({}), Error);
  EXPECT_THROW(p.run({random_tensor({3, 2}, 1)}), Error);
}

// Weights packed a block of rows at a time (128 rows with a shorter last block, and 64) on
// one or several threads: the packed bytes, so the outputs, are the same for any thread count,
// and match the reference.
TEST(CpuProgramOps, WeightsPackedInBlocksOnAnyNumberOfThreads) {
  GraphBuilder b;
  const ValueId x = b.input("x", DType::F32, {4, 320});
  const ValueId h1 = b.matmul(x, b.constant("w1", random_tensor({320, 1536}, 2)));
  const ValueId h2 = b.matmul(h1, b.constant("w2", random_tensor({1536, 3072}, 3)));
  b.output(b.matmul(h2, b.constant("w3", random_tensor({3072, 48}, 4))));
  const ir::Graph g = b.build();
  const std::vector<Tensor> in{random_tensor({4, 320}, 1)};
  const auto want = ref::RefProgram(g).run(in);
  std::vector<Tensor> first;
  for (int threads : {1, 2, 3}) {
    CpuProgram p(g, {.gemv = false, .pack_threads = threads});
    const auto got = p.run(in);
    // f32 sums of up to 3072 products in another order than the reference's.
    EXPECT_LT(normalized_max_error(got[0], want[0]), 1e-5) << threads << " threads";
    if (first.empty())
      first = got;
    else
      EXPECT_TRUE(all_close(got[0], first[0], 0, 0)) << threads << " threads";
  }
}

TEST(CpuProgramOps, Bf16MatMulWithinBf16Tolerance) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "no AVX512-BF16/AMX on this CPU";
  const int64_t m = 64, k = 512, n = 256;
  GraphBuilder b;
  const ValueId a = b.input("a", DType::F32, {m, k});
  const ValueId y = b.add_(b.matmul(a, b.constant("w", random_tensor({k, n}, 2))),
                           b.constant("bias", random_tensor({n}, 3)));
  b.output(y);
  const ir::Graph g = b.build();
  const std::vector<Tensor> in{random_tensor({m, k}, 1)};
  CpuProgram p(g, {.bf16 = true});
  ASSERT_TRUE(p.bf16_active());
  EXPECT_NE(description(p).find("bf16"), std::string::npos);
  const auto got = p.run(in);
  const auto want = ref::RefProgram(g).run(in);
  // bf16 inputs carry 8 significant bits: with f32 accumulation the error stays near
  // 2^-9 * sqrt(K) of the typical product, ~1e-3 of the output range here.
  const double err = normalized_max_error(got[0], want[0]);
  EXPECT_LT(err, 8e-3);
  EXPECT_GT(err, 1e-6);  // really computed in bf16
}

}  // namespace
}  // namespace nuri::cpu::test
