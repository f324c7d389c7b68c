// nuri simulate of ONNX decoders: the committed GPT-2-style export with past/present inputs
// (tests/data/onnx, scripts/generate_onnx_models.py: dims batch, seq, past_seq) runs prefill
// and decode with its KV cache resident; BERT (no past inputs) decodes by re-running the whole
// sequence, so its step at context c is exactly a prefill of c + 1 tokens; a dim whose role
// cannot be told is refused naming the input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"
#include "tests/runtime/simulate_summary_util.h"

namespace nuri::rt {
namespace {

using test::link_bytes;

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::string data(const std::string& file) {
  return std::string(NURI_ONNX_TEST_DATA) + "/" + file;
}

Deployment onnx(const std::string& file, int64_t batch, int64_t prompt, int64_t generate) {
  Deployment d = parse_deployment(
      R"({"model": {"onnx": ")" + data(file) + R"("}, "devices": ["npu:atom-like", "pim"]})",
      "test");
  d.batch = batch;
  d.prompt = prompt;
  d.generate = generate;
  return d;
}

TEST(SimulateOnnx, Gpt2ExportDecodesWithItsResidentKvCache) {
  const nlohmann::json s = simulate_deployment(onnx("gpt2_opset14.onnx", 2, 5, 4)).summary;
  const nlohmann::json& m = s["deployment"]["model"];
  EXPECT_EQ(m["onnx"], data("gpt2_opset14.onnx"));
  EXPECT_EQ(m["layers"], 2);  // the importer fused each layer's past Concat into Attention
  EXPECT_EQ(m["d_model"], 32);
  EXPECT_EQ(m["heads"], 4);
  EXPECT_EQ(m["vocab"], 96);
  EXPECT_TRUE(s["phases"]["decode"]["kv_cache"].get<bool>());
  EXPECT_GT(s["ttft_ms"].get<double>(), 0);
  EXPECT_GT(s["tpot_ms"].get<double>(), 0);
  // Over the link only the embedded tokens f32[2, S, 32] (the export's i64 Gather runs on the
  // host: the npu computes f32 / bf16) and the logits f32[2, S, 96]: the presents stay
  // resident.
  EXPECT_EQ(link_bytes(s["phases"]["prefill"]), 2 * 5 * (32 * 4 + 96 * 4));
  EXPECT_EQ(link_bytes(s["phases"]["decode"]), 4 * 2 * (32 * 4 + 96 * 4));
  EXPECT_EQ(s.dump(), simulate_deployment(onnx("gpt2_opset14.onnx", 2, 5, 4)).summary.dump());
}

TEST(SimulateOnnx, WithoutPastInputsEachStepIsAFullPrefill) {
  Deployment d = onnx("bert_opset17.onnx", 1, 6, 3);
  d.decode_samples = 3;
  const nlohmann::json s = simulate_deployment(d).summary;
  EXPECT_FALSE(s["phases"]["decode"]["kv_cache"].get<bool>());
  EXPECT_THAT(s["phases"]["decode"]["method"].get<std::string>(), HasSubstr("re-runs"));
  // Contexts 6, 7, 8: each step runs 7, 8, 9 tokens, as a prefill of that many does.
  const nlohmann::json& steps = s["phases"]["decode"]["sampled_steps"];
  ASSERT_EQ(steps.size(), 3u);
  for (const auto& step : steps) {
    const int64_t context = step["context"];
    const double prefill =
        simulate_deployment(onnx("bert_opset17.onnx", 1, context + 1, 1)).summary["ttft_ms"];
    EXPECT_DOUBLE_EQ(step["step_ms"].get<double>(), prefill) << "context " << context;
  }
}

TEST(SimulateOnnx, DimsThatCannotBeToldAreRefusedNamingTheInput) {
  Deployment d = onnx("gpt2_opset14.onnx", 1, 4, 2);
  d.onnx_dims["past_seq"] = "cache";  // a role the parser would refuse; bound here by name
  EXPECT_THAT([&] { simulate_deployment(d); },
              ThrowsMessage<Error>(HasSubstr("input 'past_key_0' dim 2 ('past_seq')")));
  // Dims fixed: the model could not take the prompt or the batch the summary would claim.
  Deployment fixed = onnx("gpt2_opset14.onnx", 2, 4, 2);
  fixed.onnx_dims = {{"batch", "1"}};
  EXPECT_THAT([&] { simulate_deployment(fixed); },
              ThrowsMessage<Error>(HasSubstr("no input dim of role batch: batch 2")));
  fixed.onnx_dims = {{"seq", "3"}};
  EXPECT_THAT([&] { simulate_deployment(fixed); },
              ThrowsMessage<Error>(HasSubstr("no input dim of role seq")));
  Deployment missing = onnx("no_such_model.onnx", 1, 4, 2);
  EXPECT_THAT([&] { simulate_deployment(missing); },
              ThrowsMessage<Error>(HasSubstr("no_such_model.onnx")));
}

}  // namespace
}  // namespace nuri::rt
