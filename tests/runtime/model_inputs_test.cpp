// Model loading (runtime/model_inputs.h): inputs from .npy files checked against the model, missing
// ones generated with a note.
#include "runtime/model_inputs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "devices/ref/ref_program.h"
#include "nuri/error.hpp"
#include "runtime/npy.h"
#include "tests/compiler/frontend/onnx_test_util.h"

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
  const auto model = rt::load_model(onnx_data("gpt2_opset14.onnx"));
  const auto files =
      rt::parse_input_args({"input_ids=" + onnx_data("cases/gpt2_decode/in_0_input_ids.npy")});
  const auto in = rt::build_inputs(model, files, {{"past_seq", 5}}, 7);
  ASSERT_EQ(in.tensors.size(), 5u);
  EXPECT_EQ(in.tensors[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(in.tensors[1].shape(), (Shape{2, 4, 5, 8}));  // batch from the file, past from --dim
  EXPECT_EQ(in.notes.size(), 4u);
  EXPECT_NE(in.notes[0].find("past_key_0"), std::string::npos);
  ref::RefProgram prog(model.specialize(in.shapes));
  EXPECT_EQ(prog.run(in.tensors)[0].shape(), (Shape{2, 1, 96}));
  // Same seed, same values.
  const auto again = rt::build_inputs(model, files, {{"past_seq", 5}}, 7);
  EXPECT_EQ(0, std::memcmp(again.tensors[1].data(), in.tensors[1].data(), in.tensors[1].nbytes()));
}

TEST(ModelLoader, TimingOnlyInputsAreZerosNotGenerated) {
  const auto model = rt::load_model(onnx_data("gpt2_opset14.onnx"));
  const auto in = rt::build_inputs(model, {}, {{"past_seq", 5}}, 7, /*generate=*/false);
  ASSERT_EQ(in.tensors.size(), 5u);
  EXPECT_EQ(in.tensors[1].shape(), (Shape{1, 4, 5, 8}));
  for (const Tensor& t : in.tensors) {
    const auto* b = static_cast<const unsigned char*>(t.data());
    EXPECT_TRUE(std::all_of(b, b + t.nbytes(), [](unsigned char c) { return c == 0; }));
  }
  EXPECT_NE(in.notes[0].find("timing only"), std::string::npos) << in.notes[0];
}

TEST(ModelLoader, ClearErrors) {
  const auto model = rt::load_model(onnx_data("gpt2_opset14.onnx"));
  const std::string dir = std::filesystem::temp_directory_path() / "nuri_loader_test";
  std::filesystem::create_directories(dir);
  rt::write_npy(dir + "/f.npy", Tensor(DType::F32, {2, 3}));
  rt::write_npy(dir + "/r3.npy", Tensor(DType::I64, {1, 2, 3}));
  EXPECT_NE(error_of([&] {
              rt::build_inputs(model, {{"input_ids", dir + "/f.npy"}});
            }).find("dtype is f32, the model wants i64"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              rt::build_inputs(model, {{"input_ids", dir + "/r3.npy"}});
            }).find("rank 3, the model wants rank 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              rt::build_inputs(model, {{"nope", dir + "/f.npy"}});
            }).find("no input 'nope'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rt::parse_input_args({"novalue"}); }).find("NAME=FILE.npy"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rt::parse_dim_args({"seq=x"}); }).find("NAME=SIZE"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nuri
