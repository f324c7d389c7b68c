// The built-in GPT-2 demo model end to end on the cpu engine against RefProgram, across thread
// counts and in bf16.
#include <gtest/gtest.h>

#include <cstring>

#include "bench/cpu/gpt2_block.h"
#include "compiler/models/gpt2.h"
#include "tests/devices/cpu/program_test_util.h"

namespace nuri::cpu::test {
namespace {

TEST(CpuProgramModel, Gpt2DemoMatchesReference) {
  const ir::Gpt2Config cfg;  // the default demo config
  const ir::Graph g = ir::build_gpt2(cfg);
  const std::vector<Tensor> in{ir::gpt2_demo_ids(cfg)};
  ref::RefProgram ref(g);
  CpuProgram cpu(g, {.threads = 1});
  const auto want = ref.run(in);
  const auto got = cpu.run(in);
  ASSERT_EQ(got.size(), 1u);
  // f32 logits after 2 blocks: oneDNN's and the reference's summation orders differ, so allow
  // a few f32 ulps of accumulated rounding relative to the logits' scale.
  EXPECT_TRUE(all_close(got[0], want[0], 1e-5, 1e-4)) << description(cpu);
  EXPECT_LE(cpu.peak_bytes(), cpu.unshared_bytes());
  // Every block's attention and both MLP matmuls run fused; only the two embedding gathers
  // stay on reference kernels (no Split/Transpose copies remain).
  EXPECT_TRUE(describes(cpu, "attention h0.attn")) << description(cpu);
  EXPECT_TRUE(describes(cpu, "+h0.gelu")) << description(cpu);
  int reference_steps = 0;
  for (const std::string& line : cpu.describe()) reference_steps += line.rfind("ref ", 0) == 0;
  EXPECT_EQ(reference_steps, 2) << description(cpu);
  // Compile once, run many: a second run gives the same bits.
  const auto again = cpu.run(in);
  EXPECT_EQ(std::memcmp(again[0].data(), got[0].data(), got[0].nbytes()), 0);
}

// Our kernels compute each row the same way whatever the split, and oneDNN's matmul splits M/N
// blocks (not K) across threads at these shapes, so 1 and 2 threads agree to the bit; the check
// allows f32 rounding in case a oneDNN version splits K.
TEST(CpuProgramModel, SameResultOnOneAndTwoThreads) {
  ir::Gpt2Config cfg;
  cfg.d_model = 256;
  cfg.heads = 4;
  cfg.seq = 64;
  const ir::Graph g = ir::build_gpt2(cfg);
  const std::vector<Tensor> in{ir::gpt2_demo_ids(cfg)};
  const auto one = CpuProgram(g, {.threads = 1}).run(in);
  const auto two = CpuProgram(g, {.threads = 2}).run(in);
  EXPECT_TRUE(all_close(two[0], one[0], 1e-6, 1e-5));
  const bool bitwise = std::memcmp(one[0].data(), two[0].data(), one[0].nbytes()) == 0;
  RecordProperty("bitwise_equal", bitwise ? "yes" : "no");
  std::printf("1 vs 2 threads bitwise equal: %s\n", bitwise ? "yes" : "no");
}

TEST(CpuProgramModel, Gpt2InBf16WithinTolerance) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "no AVX512-BF16/AMX on this CPU";
  const ir::Gpt2Config cfg;
  const ir::Graph g = ir::build_gpt2(cfg);
  const std::vector<Tensor> in{ir::gpt2_demo_ids(cfg)};
  const auto want = ref::RefProgram(g).run(in);
  CpuProgram cpu(g, {.threads = 2, .bf16 = true});
  ASSERT_TRUE(cpu.bf16_active());
  const auto got = cpu.run(in);
  // Every matmul rounds its activations and weights to bf16 (8 significant bits); through two
  // blocks and the tied head the logits stay within ~1% of their range.
  EXPECT_LT(normalized_max_error(got[0], want[0]), 2e-2);
}

// The block cpu_bench times against ONNX Runtime: same numbers as the reference, and every
// node accelerated or fused (nothing left on reference kernels).
TEST(CpuProgramModel, BenchmarkedGpt2BlockMatchesReference) {
  bench::BlockConfig cfg;
  cfg.seq = 32;
  const ir::Graph g = bench::build_gpt2_block(cfg);
  const std::vector<Tensor> in{random_tensor({1, cfg.seq, cfg.d_model}, 4)};
  const std::string d = expect_matches_ref(g, in, {2e-5, 1e-4}, {.threads = 2});
  EXPECT_EQ(d.find("ref "), std::string::npos) << d;
  EXPECT_NE(d.find("attention"), std::string::npos) << d;
}

}  // namespace
}  // namespace nuri::cpu::test
