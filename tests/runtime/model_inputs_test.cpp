// The CLI's model loading: inputs from .npy files checked against the model, missing ones
// generated with a note.
#include "tools/nuri/model_loader.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "devices/ref/ref_program.h"
#include "nuri/error.hpp"
#include "tests/compiler/frontend/onnx_test_util.h"
#include "tools/nuri/npy.h"

namespace nuri::cli {
void register_inspect(CLI::App& app);  // tools/nuri/inspect_command.cpp
}

namespace nuri {
namespace {

using testing::onnx_data;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelLoader, GivenAndGeneratedInputsRun) {
  const auto model = cli::load_model(onnx_data("gpt2_opset14.onnx"));
  const auto files =
      cli::parse_input_args({"input_ids=" + onnx_data("cases/gpt2_decode/in_0_input_ids.npy")});
  const auto in = cli::build_inputs(model, files, {{"past_seq", 5}}, 7);
  ASSERT_EQ(in.tensors.size(), 5u);
  EXPECT_EQ(in.tensors[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(in.tensors[1].shape(), (Shape{2, 4, 5, 8}));  // batch from the file, past from --dim
  EXPECT_EQ(in.notes.size(), 4u);
  EXPECT_NE(in.notes[0].find("past_key_0"), std::string::npos);
  ref::RefProgram prog(model.specialize(in.shapes));
  EXPECT_EQ(prog.run(in.tensors)[0].shape(), (Shape{2, 1, 96}));
  // Same seed, same values.
  const auto again = cli::build_inputs(model, files, {{"past_seq", 5}}, 7);
  EXPECT_EQ(0, std::memcmp(again.tensors[1].data(), in.tensors[1].data(), in.tensors[1].nbytes()));
}

TEST(ModelLoader, ClearErrors) {
  const auto model = cli::load_model(onnx_data("gpt2_opset14.onnx"));
  const std::string dir = std::filesystem::temp_directory_path() / "nuri_loader_test";
  std::filesystem::create_directories(dir);
  cli::write_npy(dir + "/f.npy", Tensor(DType::F32, {2, 3}));
  cli::write_npy(dir + "/r3.npy", Tensor(DType::I64, {1, 2, 3}));
  EXPECT_NE(error_of([&] {
              cli::build_inputs(model, {{"input_ids", dir + "/f.npy"}});
            }).find("dtype is f32, the model wants i64"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cli::build_inputs(model, {{"input_ids", dir + "/r3.npy"}});
            }).find("rank 3, the model wants rank 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              cli::build_inputs(model, {{"nope", dir + "/f.npy"}});
            }).find("no input 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { cli::parse_input_args({"novalue"}); }).find("NAME=FILE.npy"),
            std::string::npos);
  EXPECT_NE(error_of([&] { cli::parse_dim_args({"seq=x"}); }).find("NAME=SIZE"), std::string::npos);
  std::filesystem::remove_all(dir);
}

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
