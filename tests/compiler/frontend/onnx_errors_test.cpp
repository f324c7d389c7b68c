// Bad input: each a clear nuri::Error naming what is wrong, never a crash.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "compiler/frontend/onnx/onnx_model.h"
#include "nuri/error.hpp"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri {
namespace {

using testing::onnx_data;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// x[f32, 2 x "n"] -> op -> y, at `opset`.
::onnx::ModelProto one_node_model(const std::string& op, int64_t opset,
                                  const std::string& domain = "") {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  auto* o = m.add_opset_import();
  o->set_version(opset);
  if (!domain.empty()) {
    auto* d = m.add_opset_import();
    d->set_domain(domain);
    d->set_version(1);
  }
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(::onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_value(2);
  tt->mutable_shape()->add_dim()->set_dim_param("n");
  auto* n = g->add_node();
  n->set_name("the_node");
  n->set_op_type(op);
  n->set_domain(domain);
  n->add_input("x");
  n->add_output("y");
  g->add_output()->set_name("y");
  return m;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_ERROR_HAS(stmt, ...)                                                       \
  do {                                                                                    \
    const std::string msg = error_of([&] { stmt; });                                      \
    for (const char* part : {__VA_ARGS__})                                                \
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg; \
  } while (0)

TEST(OnnxErrors, MissingFile) {
  EXPECT_ERROR_HAS(onnx::OnnxModel::load("/nonexistent/model.onnx"), "/nonexistent/model.onnx",
                   "cannot open");
}

TEST(OnnxErrors, NotOnnx) {
  EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes("hello, this is a text file\n", "", "notes.txt"),
                   "notes.txt", "ONNX");
  EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes("", "", "empty.onnx"), "empty.onnx",
                   "not an ONNX model");
}

TEST(OnnxErrors, TruncatedAndCorruptFiles) {
  const std::string bytes = read_file(onnx_data("gpt2_opset14.onnx"));
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t cut : {bytes.size() / 2, bytes.size() - 7, size_t{100}}) {
    const std::string msg = error_of([&] {
      onnx::OnnxModel::from_bytes(bytes.substr(0, cut), "", "cut.onnx")
          .specialize({{"input_ids", {1, 2}}});
    });
    EXPECT_NE(msg.find("cut.onnx"), std::string::npos) << msg;
  }
  std::string corrupt = bytes;
  for (size_t i = 0; i < corrupt.size(); i += 97) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  const std::string msg = error_of([&] {
    auto m = onnx::OnnxModel::from_bytes(corrupt, "", "flipped.onnx");
    onnx::InputShapes s;
    for (const auto& in : m.inputs()) s[in.name] = in.shape_with(1);
    m.specialize(s);
  });
  EXPECT_NE(msg.find("flipped.onnx"), std::string::npos) << msg;
}

TEST(OnnxErrors, UnsupportedOpNamesOpDomainNodeOpset) {
  auto m = one_node_model("Hardmax", 17);
  const auto model = onnx::OnnxModel::from_bytes(m.SerializeAsString(), "", "hm.onnx");
  EXPECT_ERROR_HAS(model.specialize({{"x", {2, 3}}}), "hm.onnx", "Hardmax", "ai.onnx", "the_node",
                   "opset 17");
  auto custom = one_node_model("FusedThing", 17, "com.example");
  EXPECT_ERROR_HAS(
      onnx::OnnxModel::from_bytes(custom.SerializeAsString()).specialize({{"x", {2, 3}}}),
      "FusedThing", "com.example", "the_node");
}

TEST(OnnxErrors, OpsetOutsideRange) {
  for (int64_t opset : {11, 12, 19}) {
    auto m = one_node_model("Relu", opset);
    const std::string opset_text = std::to_string(opset);  // outlives the macro's checks
    EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes(m.SerializeAsString(), "", "old.onnx"), "old.onnx",
                     "opset", opset_text.c_str(), "13 to 18");
  }
}

TEST(OnnxErrors, DynamicShapeNotGivenOrWrong) {
  auto m = one_node_model("Relu", 17);
  const auto model = onnx::OnnxModel::from_bytes(m.SerializeAsString(), "", "relu.onnx");
  EXPECT_ERROR_HAS(model.specialize({}), "relu.onnx", "'x'", "dynamic", "n");
  EXPECT_ERROR_HAS(model.specialize({{"x", {3, 4}}}), "'x'", "fixes it to 2");
  EXPECT_ERROR_HAS(model.specialize({{"x", {2}}}), "'x'", "rank");
  EXPECT_ERROR_HAS(model.specialize({{"x", {2, 4}}, {"z", {1}}}), "no input named 'z'");
  EXPECT_EQ(model.specialize({{"x", {2, 0}}}).value(0).type.shape, (Shape{2, 0}));
}

TEST(OnnxErrors, ShapeThatCannotBeMadeStatic) {
  // Reshape(x, shape) where the shape is the runtime input itself.
  auto m = one_node_model("Reshape", 17);
  auto* g = m.mutable_graph();
  auto* s = g->add_input();
  s->set_name("target");
  auto* tt = s->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(::onnx::TensorProto::INT64);
  tt->mutable_shape()->add_dim()->set_dim_value(2);
  g->mutable_node(0)->add_input("target");
  const auto model = onnx::OnnxModel::from_bytes(m.SerializeAsString(), "", "rs.onnx");
  EXPECT_ERROR_HAS(model.specialize({{"x", {2, 3}}}), "rs.onnx", "the_node", "Reshape", "shape",
                   "run time", "static");
}

TEST(OnnxErrors, MissingExternalData) {
  const auto dir = std::filesystem::temp_directory_path() / "nuri_onnx_missing_ext";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(onnx_data("mlp_external_opset13.onnx"), dir / "m.onnx",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(dir / "mlp_external_opset13.onnx.data");
  const auto model = onnx::OnnxModel::load((dir / "m.onnx").string());
  EXPECT_ERROR_HAS(model.specialize({}), "m.onnx", "external data",
                   "mlp_external_opset13.onnx.data");
  // A truncated data file is an error too.
  std::ofstream(dir / "mlp_external_opset13.onnx.data") << "short";
  EXPECT_ERROR_HAS(onnx::OnnxModel::load((dir / "m.onnx").string()).specialize({}), "external data",
                   "bytes");
  std::filesystem::remove_all(dir);
}

TEST(OnnxErrors, BadInitializer) {
  auto m = one_node_model("Add", 17);
  auto* g = m.mutable_graph();
  g->mutable_node(0)->add_input("w");
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  w->add_dims(1000000000);
  w->add_dims(1000000000);
  w->set_raw_data("abcd");
  EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes(m.SerializeAsString()).specialize({{"x", {2, 3}}}),
                   "'w'", "too large");
  w->clear_dims();
  w->add_dims(3);
  EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes(m.SerializeAsString()).specialize({{"x", {2, 3}}}),
                   "'w'", "raw data has 4 bytes, expected 12");
  w->set_data_type(::onnx::TensorProto::UINT16);
  EXPECT_ERROR_HAS(onnx::OnnxModel::from_bytes(m.SerializeAsString()).specialize({{"x", {2, 3}}}),
                   "'w'", "UINT16", "not supported");
}

}  // namespace
}  // namespace nuri
