// .npy reading/writing: round trips for every supported dtype, clear errors for bad files.
#include "runtime/npy.h"

#include <gtest/gtest.h>

#include <cstring>

#include "nuri/error.hpp"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri {
namespace {

TEST(Npy, RoundTripsEveryDtype) {
  for (DType dt : {DType::F32, DType::F16, DType::I8, DType::I32, DType::I64, DType::Bool}) {
    for (Shape shape : {Shape{}, Shape{5}, Shape{2, 3}, Shape{2, 0, 4}}) {
      Tensor t(dt, shape);
      auto* b = static_cast<uint8_t*>(t.data());
      for (size_t i = 0; i < t.nbytes(); ++i)
        b[i] = dt == DType::Bool ? i % 2 : static_cast<uint8_t>(i * 7);
      const Tensor back = rt::parse_npy(rt::npy_bytes(t), "rt");
      EXPECT_EQ(back.dtype(), dt);
      EXPECT_EQ(back.shape(), shape);
      EXPECT_EQ(0, std::memcmp(back.data(), t.data(), t.nbytes()));
    }
  }
}

TEST(Npy, ReadsNumpyWrittenFile) {  // written by numpy in scripts/generate_onnx_models.py
  const Tensor t = rt::read_npy(testing::onnx_data("cases/gpt2_prefill/in_0_input_ids.npy"));
  EXPECT_EQ(t.dtype(), DType::I64);
  EXPECT_EQ(t.shape(), (Shape{2, 5}));
}

TEST(Npy, ClearErrors) {
  auto err = [](const std::string& bytes) {
    try {
      rt::parse_npy(bytes, "bad.npy");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(err("not numpy at all").find("not a .npy"), std::string::npos);
  Tensor t(DType::F32, {2, 2});
  const std::string good = rt::npy_bytes(t);
  EXPECT_NE(err(good.substr(0, good.size() - 3)).find("expected 16"), std::string::npos);
  std::string f64 = good;
  f64.replace(f64.find("<f4"), 3, "<f8");
  EXPECT_NE(err(f64).find("'<f8' is not supported"), std::string::npos);
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(err(fortran).find("Fortran"), std::string::npos);
  EXPECT_NE(err(good.substr(0, 20)).find("truncated"), std::string::npos);
  EXPECT_THROW(rt::npy_bytes(Tensor(DType::BF16, {1})), Error);
  EXPECT_THROW(rt::read_npy("/nonexistent.npy"), Error);
}

}  // namespace
}  // namespace nuri
