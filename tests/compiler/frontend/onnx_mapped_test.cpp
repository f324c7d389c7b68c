// Loading without copies: initializers stay in the mapped model file (or mapped external-data
// files), the graph's constants view them, and the mapping lives as long as any constant does.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "compiler/frontend/onnx/onnx_model.h"
#include "compiler/frontend/onnx/onnx_wire.h"
#include "tests/compiler/frontend/onnx_proto_builders.h"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri {
namespace {

using testing::onnx_data;

// y = x + w, w f32[n] = 0.5, 1.5, ... stored as external data at `offset` of "w.bin", or inline.
::onnx::ModelProto add_model(int64_t n, bool external, int64_t offset = 0) {
  ::onnx::ModelProto m = testing::one_node_model("Add", {n}, {n});
  ::onnx::TensorProto& w = *m.mutable_graph()->mutable_initializer(0);
  if (external) {
    testing::set_external_data(w, "w.bin", offset, n * 4);
  } else {
    std::string raw(static_cast<size_t>(n) * 4, '\0');
    for (int64_t i = 0; i < n; ++i) {
      const float v = 0.5f + static_cast<float>(i);
      std::memcpy(raw.data() + i * 4, &v, 4);
    }
    w.set_raw_data(raw);
  }
  return m;
}

const Tensor& constant_named(const ir::Graph& g, const std::string& name) {
  const auto id = g.find_value(name);
  if (!id || !g.value(*id).data) throw Error("test: no constant '" + name + "'");
  return *g.value(*id).data;
}

void expect_weights(const Tensor& w, int64_t n) {
  ASSERT_EQ(w.numel(), n);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(w.data_as<float>()[i], 0.5f + static_cast<float>(i)) << "w[" << i << "]";
}

class MappedModel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("nuri_onnx_mapped_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write_model(const ::onnx::ModelProto& m) {
    const std::string path = (dir_ / "m.onnx").string();
    std::ofstream(path, std::ios::binary) << m.SerializeAsString();
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(MappedModel, ExternalDataIsViewedAndOutlivesTheModelAndTheFiles) {
  constexpr int64_t n = 4096, offset = 64;  // 64-byte aligned in the data file
  {
    std::ofstream data(dir_ / "w.bin", std::ios::binary);
    const std::string pad(offset, 'x');
    data << pad;
    for (int64_t i = 0; i < n; ++i) {
      const float v = 0.5f + static_cast<float>(i);
      data.write(reinterpret_cast<const char*>(&v), 4);
    }
  }
  ir::Graph g;
  {
    const auto model = onnx::OnnxModel::load(write_model(add_model(n, true, offset)));
    g = model.specialize({}, {.fuse = false});
  }                                   // the model (its proto and file mapping handles) is gone
  std::filesystem::remove_all(dir_);  // and so are the files: the mapping keeps their pages
  const Tensor& w = constant_named(g, "w");
  EXPECT_TRUE(w.is_view()) << "external data was copied, not mapped";
  expect_weights(w, n);
}

TEST_F(MappedModel, InlineInitializersMatchTheirBytes) {
  for (int64_t n : {1, 3, 1000, 65536}) {
    const auto model = onnx::OnnxModel::load(write_model(add_model(n, false)));
    ir::Graph g = model.specialize({}, {.fuse = false});
    expect_weights(constant_named(g, "w"), n);
    // Writing through a copy of a mapped constant never reaches the file or the constant.
    Tensor copy = constant_named(g, "w");
    copy.data_as<float>()[0] = -1.0f;
    expect_weights(constant_named(g, "w"), n);
    expect_weights(
        constant_named(
            onnx::OnnxModel::load((dir_ / "m.onnx").string()).specialize({}, {.fuse = false}), "w"),
        n);
  }
}

TEST(OnnxWire, StrippingKeepsTheStructureAndFindsEveryInitializer) {
  for (const char* file : {"gpt2_opset14.onnx", "llama_opset15.onnx", "qdq_mlp_opset13.onnx"}) {
    std::ifstream in(onnx_data(file), std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    ::onnx::ModelProto full;
    ASSERT_TRUE(full.ParseFromString(bytes)) << file;
    const auto stripped = onnx::strip_initializer_data(
        reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
    ASSERT_TRUE(stripped) << file;
    ::onnx::ModelProto structure;
    ASSERT_TRUE(structure.ParseFromString(stripped->bytes)) << file;
    ASSERT_EQ(stripped->raw_data.size(), static_cast<size_t>(full.graph().initializer_size()));
    EXPECT_LT(stripped->bytes.size(), bytes.size()) << file;
    for (int i = 0; i < full.graph().initializer_size(); ++i) {
      const auto& want = full.graph().initializer(i);
      const auto& got = structure.graph().initializer(i);
      EXPECT_EQ(got.name(), want.name());
      EXPECT_FALSE(got.has_raw_data());
      const onnx::RawDataSpan& span = stripped->raw_data[i];
      ASSERT_EQ(span.present, want.has_raw_data()) << want.name();
      if (span.present) {
        EXPECT_EQ(bytes.substr(span.offset, span.size), want.raw_data()) << want.name();
      }
    }
    // The rest of the model is untouched.
    full.mutable_graph()->clear_initializer();
    structure.mutable_graph()->clear_initializer();
    EXPECT_EQ(full.SerializeAsString(), structure.SerializeAsString()) << file;
  }
}

TEST(OnnxWire, MalformedBytesAreLeftToProtobuf) {
  const std::string junk = "\x3a\xff\xff\xff\x0f";  // graph field claiming 4 GiB
  EXPECT_FALSE(
      onnx::strip_initializer_data(reinterpret_cast<const std::byte*>(junk.data()), junk.size()));
}

}  // namespace
}  // namespace nuri
