// `nuri inspect` end to end through its CLI11 command.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "tests/compiler/frontend/onnx_test_util.h"
#include "tools/nuri/commands.h"

namespace nuri {
namespace {

using testing::onnx_data;

TEST(InspectCommand, PrintsOpsParametersAndFlops) {
  CLI::App app("nuri");
  cli::register_inspect(app);
  const std::string model = onnx_data("llama_opset15.onnx");
  const char* argv[] = {"nuri", "inspect", model.c_str(), "--dim", "seq=4"};
  ::testing::internal::CaptureStdout();
  app.parse(5, argv);
  const std::string out = ::testing::internal::GetCapturedStdout();
  for (const char* part : {"opset 15", "input_ids: i64[batch, seq] -> inspected as [1, 4]",
                           "past_key_0: f32[batch, 2, past_seq, 8] -> inspected as [1, 2, 0, 8]",
                           "Attention", "RMSNorm", "RotaryEmbedding", "parameters:", "FLOPs"})
    EXPECT_NE(out.find(part), std::string::npos) << part << " not in:\n" << out;
}

}  // namespace
}  // namespace nuri
