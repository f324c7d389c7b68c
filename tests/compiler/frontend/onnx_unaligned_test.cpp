// Initializers where an exporter put them: at odd byte offsets of the model's external data. The
// importer views them in the mapping (no copy); the cpu device, which declares ABI 2.3's
// `unaligned_constants`, packs its matmul weights straight from those bytes; the ref device,
// which does not, gets aligned copies for its compile. Every path computes the same numbers.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "compiler/frontend/onnx/onnx_model.h"
#include "compiler/models/seeded_random.h"
#include "runtime/registry.h"
#include "runtime/session.h"
#include "tests/compiler/frontend/onnx_proto_builders.h"

namespace nuri {
namespace {

constexpr int64_t kM = 4;

// Deterministic weights w[k][n] and input x[m][k], from one seeded normal stream each.
std::vector<float> values(int64_t count, uint64_t seed) {
  ir::SeededRandom rng(seed);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = static_cast<float>(rng.normal());
  return v;
}

// y = x @ w with w f32[k, n] stored in "w.bin" at byte `offset`.
::onnx::ModelProto matmul_model(int64_t k, int64_t n, int64_t offset) {
  ::onnx::ModelProto m = testing::one_node_model("MatMul", {kM, k}, {k, n});
  testing::set_external_data(*m.mutable_graph()->mutable_initializer(0), "w.bin", offset,
                             k * n * 4);
  return m;
}

class UnalignedInitializers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nuri_onnx_unaligned_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    rt::register_builtin_devices(reg_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Imports the model with w at `offset` of its data file (its own folder per offset).
  ir::Graph load(int64_t offset) {
    const auto sub = dir_ / std::to_string(offset);
    std::filesystem::create_directories(sub);
    {
      std::ofstream data(sub / "w.bin", std::ios::binary);
      data << std::string(static_cast<size_t>(offset), 'x');
      data.write(reinterpret_cast<const char*>(w_.data()),
                 static_cast<std::streamsize>(w_.size() * 4));
    }
    const std::string path = (sub / "m.onnx").string();
    std::ofstream(path, std::ios::binary) << matmul_model(k_, n_, offset).SerializeAsString();
    return onnx::OnnxModel::load(path).specialize({}, {.fuse = false});
  }

  // `options` for the device: the cpu packs for oneDNN with "gemv=0", for its GEMV (kM rows
  // are few enough) with "gemv=1".
  Tensor run(ir::Graph g, const char* device, const char* options = "") {
    rt::SessionOptions opts;
    opts.devices = {device};
    opts.device_options[device] = options;
    opts.strict = true;
    rt::Session s(std::move(g), opts, reg_);
    Tensor x(DType::F32, {kM, k_});
    std::memcpy(x.data(), x_.data(), x_.size() * 4);
    return s.run(std::vector<Tensor>{x})[0];
  }

  // Weights of another shape (w and x drawn again).
  void set_dims(int64_t k, int64_t n) {
    k_ = k;
    n_ = n;
    w_ = values(k * n, 17);
    x_ = values(kM * k, 18);
  }

  // y against the product in double; f32 sums of k products of normals stay within 1e-5 * k.
  void expect_product(const Tensor& y) {
    ASSERT_EQ(y.numel(), kM * n_);
    for (int64_t i = 0; i < kM; ++i)
      for (int64_t j = 0; j < n_; ++j) {
        double want = 0;
        for (int64_t k = 0; k < k_; ++k) want += double(x_[i * k_ + k]) * w_[k * n_ + j];
        ASSERT_NEAR(y.data_as<float>()[i * n_ + j], want, 1e-5 * static_cast<double>(k_))
            << "y[" << i << "][" << j << "]";
      }
  }

  std::filesystem::path dir_;
  rt::DeviceRegistry reg_;
  int64_t k_ = 96, n_ = 80;
  std::vector<float> w_ = values(k_ * n_, 17), x_ = values(kM * k_, 18);
};

TEST_F(UnalignedInitializers, OddOffsetsAreViewedNotCopied) {
  for (int64_t offset : {1, 2, 3, 7}) {
    const ir::Graph g = load(offset);
    const Tensor& w = *g.value(*g.find_value("w")).data;
    EXPECT_TRUE(w.is_view()) << "offset " << offset << ": copied at import";
    EXPECT_FALSE(w.is_aligned()) << "offset " << offset;
    EXPECT_EQ(std::memcmp(w.bytes(), w_.data(), w.nbytes()), 0) << "offset " << offset;
    // A typed read goes through an aligned copy of the same values.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data_as<float>()) % alignof(float), 0u);
    EXPECT_EQ(w.data_as<float>()[k_ * n_ - 1], w_.back());
  }
}

TEST_F(UnalignedInitializers, CpuPacksFromTheMappedBytesAndMatchesTheAlignedCopy) {
  for (const char* options : {"gemv=0", "gemv=1"}) {
    const Tensor aligned = run(load(64), "cpu", options);
    expect_product(aligned);
    for (int64_t offset : {1, 3, 6}) {
      ir::Graph g = load(offset);
      const uint64_t copied_before = unaligned_view_copy_bytes();
      const Tensor y = run(std::move(g), "cpu", options);
      // Neither import nor the cpu device's compile made an aligned copy of the weights.
      EXPECT_EQ(unaligned_view_copy_bytes() - copied_before, 0u) << options << " offset " << offset;
      ASSERT_EQ(y.nbytes(), aligned.nbytes());
      EXPECT_EQ(std::memcmp(y.data(), aligned.data(), y.nbytes()), 0)
          << options << " offset " << offset;
    }
  }
}

// A weight taller than the cpu device's staging block (256 rows) is staged and packed block by
// block: the same bytes in the packed layout as the aligned file's single reorder.
TEST_F(UnalignedInitializers, TallWeightsPackInRowBlocksLikeTheAlignedCopy) {
  set_dims(640, 192);  // blocks of 256, 256 and 128 rows
  const Tensor aligned = run(load(64), "cpu", "gemv=0");
  expect_product(aligned);
  for (int64_t offset : {1, 2}) {
    const Tensor y = run(load(offset), "cpu", "gemv=0");
    ASSERT_EQ(y.nbytes(), aligned.nbytes());
    EXPECT_EQ(std::memcmp(y.data(), aligned.data(), y.nbytes()), 0) << "offset " << offset;
  }
}

// ref does not declare unaligned constants: the runtime hands it aligned copies.
TEST_F(UnalignedInitializers, DevicesWithoutTheFlagGetAlignedCopies) {
  EXPECT_TRUE(reg_.create("cpu")->accepts_unaligned_constants());
  EXPECT_FALSE(reg_.create("ref")->accepts_unaligned_constants());
  expect_product(run(load(5), "ref"));
}

}  // namespace
}  // namespace nuri
