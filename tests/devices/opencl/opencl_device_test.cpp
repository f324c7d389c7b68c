// The opencl device on cases the conformance suite does not reach: shapes off the GEMM tile,
// attention with past K/V, GQA, masks and present outputs, multi-node partitions with aliases,
// bad input, the capability query, the on-disk program cache and the profiling report. Each
// result is compared with the ref device within f32 tolerance.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "devices/opencl/cl_context.h"
#include "devices/opencl/kernel_library.h"
#include "runtime/session.h"
#include "tests/devices/opencl/opencl_test_util.h"

namespace nuri {
namespace {

using ir::OpKind;
using Ints = std::vector<int64_t>;

Tensor random(DType dt, const Shape& shape, uint64_t seed) {
  ir::SeededRandom rng(seed);
  Tensor t(dt, shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (dt == DType::F32) t.data_as<float>()[i] = static_cast<float>(rng.normal());
    if (dt == DType::Bool) t.data_as<uint8_t>()[i] = rng.uniform() < 0.7 ? 1 : 0;
  }
  return t;
}

// Runs `g` strictly on opencl and on ref; outputs must agree within
// 1e-4 (|want| + max|want|) (f32 with different summation orders).
void expect_matches_ref(const ir::Graph& g, const std::vector<Tensor>& inputs,
                        const std::string& options = "") {
  rt::SessionOptions on_cl, on_ref;
  on_cl.devices = {"opencl"};
  on_cl.device_options["opencl"] = options;
  on_cl.strict = true;
  on_ref.devices = {"ref"};
  on_ref.strict = true;
  rt::Session cl(g, on_cl), ref(g, on_ref);
  const std::vector<Tensor> got = cl.run(inputs), want = ref.run(inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].shape(), want[o].shape());
    ASSERT_EQ(got[o].dtype(), want[o].dtype());
    if (want[o].dtype() != DType::F32) {
      EXPECT_EQ(0, std::memcmp(got[o].data(), want[o].data(), want[o].nbytes())) << "output " << o;
      continue;
    }
    double scale = 1;
    for (int64_t i = 0; i < want[o].numel(); ++i)
      scale = std::max(scale, double(std::fabs(want[o].data_as<float>()[i])));
    for (int64_t i = 0; i < want[o].numel(); ++i) {
      const double w = want[o].data_as<float>()[i], x = got[o].data_as<float>()[i];
      ASSERT_NEAR(x, w, 1e-4 * (std::fabs(w) + scale)) << "output " << o << " element " << i;
    }
  }
}

class OpenClDevice : public testing::OpenClTest {};

TEST_F(OpenClDevice, BatchedMatMulOffTheTileOnBothGemmKernels) {
  // 70x33 by 33x130 in 3 batches with a shared weight: partial tiles on every edge, through
  // the local-memory tiles and through the register-blocked CPU variant.
  ir::GraphBuilder b("mm");
  auto x = b.input("x", DType::F32, {3, 70, 33});
  auto w = b.constant("w", random(DType::F32, {33, 130}, 2));
  b.output(b.matmul(x, w));
  const ir::Graph g = b.build();
  for (const char* kernel : {"gemm=tiled", "gemm=blocked"}) {
    SCOPED_TRACE(kernel);
    expect_matches_ref(g, {random(DType::F32, {3, 70, 33}, 1)}, kernel);
  }
}

TEST_F(OpenClDevice, BatchedBothSidesAndVectorOperand) {
  ir::GraphBuilder b("mm2");
  auto x = b.input("x", DType::F32, {2, 3, 9, 20});
  auto y = b.input("y", DType::F32, {2, 3, 20, 11});
  auto v = b.input("v", DType::F32, {9});
  auto m = b.input("m", DType::F32, {9, 5});
  b.output(b.matmul(x, y));
  b.output(b.matmul(v, m));
  expect_matches_ref(b.build(),
                     {random(DType::F32, {2, 3, 9, 20}, 5), random(DType::F32, {2, 3, 20, 11}, 6),
                      random(DType::F32, {9}, 7), random(DType::F32, {9, 5}, 8)});
}

TEST_F(OpenClDevice, GemmTransposedWithColumnBias) {
  ir::GraphBuilder b("gemm");
  auto a = b.input("a", DType::F32, {17, 9});
  auto w = b.input("w", DType::F32, {20, 17});
  auto c = b.input("c", DType::F32, {9, 1});
  b.output(b.add1(OpKind::Gemm, {a, w, c},
                  {{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}}));
  const ir::Graph g = b.build();
  for (const char* kernel : {"gemm=tiled", "gemm=blocked"}) {
    SCOPED_TRACE(kernel);
    expect_matches_ref(g,
                       {random(DType::F32, {17, 9}, 3), random(DType::F32, {20, 17}, 4),
                        random(DType::F32, {9, 1}, 5)},
                       kernel);
  }
}

TEST_F(OpenClDevice, AttentionWithPastGqaBoolMaskAndPresent) {
  // 4 query heads over 2 kv heads, 3 new positions after 5 cached, causal plus a bool mask
  // broadcast over heads; present K/V are outputs.
  ir::GraphBuilder b("attn");
  auto q = b.input("q", DType::F32, {2, 4, 3, 8});
  auto k = b.input("k", DType::F32, {2, 2, 3, 8});
  auto v = b.input("v", DType::F32, {2, 2, 3, 6});
  auto m = b.input("m", DType::Bool, {2, 1, 3, 8});
  auto pk = b.input("pk", DType::F32, {2, 2, 5, 8});
  auto pv = b.input("pv", DType::F32, {2, 2, 5, 6});
  for (auto o : b.add(OpKind::Attention, {q, k, v, m, pk, pv}, {{"causal", int64_t{1}}}, 3))
    b.output(o);
  Tensor mask = random(DType::Bool, {2, 1, 3, 8}, 16);
  mask.data_as<uint8_t>()[0 * 8 + 0] = 0;  // row 0 keeps some keys; make one row all masked:
  for (int j = 0; j < 8; ++j) mask.data_as<uint8_t>()[(1 * 3 + 2) * 8 + j] = 0;
  expect_matches_ref(
      b.build(), {random(DType::F32, {2, 4, 3, 8}, 10), random(DType::F32, {2, 2, 3, 8}, 11),
                  random(DType::F32, {2, 2, 3, 6}, 12), mask, random(DType::F32, {2, 2, 5, 8}, 13),
                  random(DType::F32, {2, 2, 5, 6}, 14)});
}

TEST_F(OpenClDevice, AttentionAdditiveMaskLongKv) {
  // 300 keys: more than one work-group's worth per row.
  ir::GraphBuilder b("attn_add");
  auto q = b.input("q", DType::F32, {1, 2, 4, 16});
  auto k = b.input("k", DType::F32, {1, 2, 300, 16});
  auto v = b.input("v", DType::F32, {1, 2, 300, 16});
  auto m = b.input("m", DType::F32, {1, 1, 1, 300});
  b.output(b.add1(OpKind::Attention, {q, k, v, m}, {{"scale", 0.3}}));
  expect_matches_ref(
      b.build(), {random(DType::F32, {1, 2, 4, 16}, 20), random(DType::F32, {1, 2, 300, 16}, 21),
                  random(DType::F32, {1, 2, 300, 16}, 22), random(DType::F32, {1, 1, 1, 300}, 23)});
}

TEST_F(OpenClDevice, BlockOfNormsActivationsAndMovement) {
  // A transformer-ish chain: LayerNorm (no bias), column-broadcast Mul, Gelu(tanh), reshape
  // (aliased), transpose, slice with a negative step, concat, RMSNorm, softmax on axis 0.
  ir::GraphBuilder b("chain");
  auto x = b.input("x", DType::F32, {4, 6, 32});
  auto s = b.constant("s", random(DType::F32, {32}, 31));
  auto col = b.input("col", DType::F32, {4, 1, 1});
  auto h = b.add1(OpKind::LayerNorm, {x, s}, {{"epsilon", 1e-5}});
  h = b.mul(h, col);
  h = b.add1(OpKind::Gelu, {h}, {{"approximate", std::string("tanh")}});
  h = b.reshape(h, {4, 6, 4, 8});
  h = b.transpose(h, {0, 2, 1, 3});
  auto sl =
      b.add1(OpKind::Slice, {h},
             {{"starts", Ints{5}}, {"ends", Ints{0}}, {"axes", Ints{2}}, {"steps", Ints{-2}}});
  auto cat = b.add1(OpKind::Concat, {sl, sl}, {{"axis", int64_t{3}}});
  auto r = b.add1(OpKind::RMSNorm, {cat, b.constant("g", random(DType::F32, {16}, 32))});
  b.output(b.add1(OpKind::Softmax, {r}, {{"axis", int64_t{0}}}));
  b.output(h);
  expect_matches_ref(b.build(),
                     {random(DType::F32, {4, 6, 32}, 33), random(DType::F32, {4, 1, 1}, 34)});
}

TEST_F(OpenClDevice, EmbeddingAndGatherWithNegativeIndices) {
  ir::GraphBuilder b("gather");
  auto table = b.constant("table", random(DType::F32, {10, 8}, 40));
  auto ids = b.input("ids", DType::I64, {2, 3});
  auto idx = b.input("idx", DType::I32, {2});
  auto e = b.add1(OpKind::Embedding, {table, ids});
  b.output(b.add1(OpKind::Gather, {e, idx}, {{"axis", int64_t{2}}}));
  Tensor t_ids(DType::I64, {2, 3});
  const int64_t id_values[] = {0, 9, -1, 3, -10, 5};
  std::memcpy(t_ids.data(), id_values, sizeof(id_values));
  Tensor t_idx(DType::I32, {2});
  t_idx.data_as<int32_t>()[0] = -1;
  t_idx.data_as<int32_t>()[1] = 2;
  expect_matches_ref(b.build(), {t_ids, t_idx});
}

TEST_F(OpenClDevice, OutOfRangeIndexIsAnErrorNamingTheNode) {
  ir::GraphBuilder b("bad_ids");
  auto table = b.constant("table", random(DType::F32, {10, 4}, 41));
  auto ids = b.input("ids", DType::I64, {2});
  b.output(b.add1(OpKind::Embedding, {table, ids}, {}, "tok_embed"));
  rt::SessionOptions o;
  o.devices = {"opencl"};
  o.strict = true;
  rt::Session s(b.build(), o);
  Tensor t(DType::I64, {2});
  t.data_as<int64_t>()[0] = 1;
  t.data_as<int64_t>()[1] = 10;
  try {
    s.run({t});
    FAIL() << "an out-of-range id must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tok_embed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("outside"), std::string::npos) << e.what();
  }
}

TEST_F(OpenClDevice, ClaimsOnlyWhatItImplements) {
  auto dev = rt::DeviceRegistry::global().create("opencl");
  ir::GraphBuilder b("claims");
  auto x = b.input("x", DType::F16, {4, 8});
  auto w = b.input("w", DType::F16, {8, 4});
  b.output(b.matmul(x, w));
  auto y = b.input("y", DType::F32, {4, 8});
  b.output(b.add1(OpKind::ReduceSum, {y}, {{"axes", Ints{1}}}));
  b.output(b.add1(OpKind::Relu, {y}));
  const ir::Graph g = b.build();
  const ir::GraphDesc desc(g);
  EXPECT_FALSE(dev->supports(desc.get(), 0));  // f16 MatMul
  EXPECT_FALSE(dev->supports(desc.get(), 1));  // no reduce kernels
  EXPECT_TRUE(dev->supports(desc.get(), 2));
}

TEST_F(OpenClDevice, UnknownOptionNamesTheDevice) {
  try {
    rt::DeviceRegistry::global().create("opencl", "tiles=8");
    FAIL() << "an unknown option must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("opencl: unknown option 'tiles'"), std::string::npos)
        << e.what();
  }
}

TEST_F(OpenClDevice, NoMatchingDeviceIsUnavailableWithReason) {
  try {
    rt::DeviceRegistry::global().create("opencl", "platform=no-such-platform");
    FAIL() << "a platform that is not there must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), NURI_ERROR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("no OpenCL device matches"), std::string::npos)
        << e.what();
  }
}

TEST_F(OpenClDevice, ProgramCacheLoadsTheSecondBuild) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("nuri_ocl_cache_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto ctx = opencl::open_cl_context({});
  opencl::ProgramCacheOptions cache;
  cache.dir = dir.string();
  const opencl::KernelLibrary first(ctx, cache);
  EXPECT_FALSE(first.from_cache());
  ASSERT_TRUE(fs::exists(first.cache_file())) << first.cache_file();
  const opencl::KernelLibrary second(ctx, cache);
  EXPECT_TRUE(second.from_cache());
  EXPECT_EQ(first.cache_file(), second.cache_file());
  // The key moves with the driver: another driver version is another file.
  opencl::ClContext other;
  other.device_name = ctx->device_name;
  other.driver_version = ctx->driver_version + "-other";
  EXPECT_NE(opencl::program_cache_key("src", "", *ctx),
            opencl::program_cache_key("src", "", other));
  fs::remove_all(dir);
}

TEST_F(OpenClDevice, ReportSplitsTimeFromEventTimestamps) {
  ir::GraphBuilder b("report");
  auto x = b.input("x", DType::F32, {64, 64});
  auto w = b.constant("w", random(DType::F32, {64, 64}, 50));
  b.output(b.add1(OpKind::Relu, {b.matmul(x, w)}));
  rt::SessionOptions o;
  o.devices = {"opencl"};
  o.strict = true;
  rt::Session s(b.build(), o);
  for (int i = 0; i < 2; ++i) s.run({random(DType::F32, {64, 64}, 51)});
  const std::string stem = ::testing::TempDir() + "/ocl_report";
  const auto files = s.write_reports(stem, "");
  ASSERT_EQ(files.size(), 1u);
  std::ifstream in(files[0]);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["runs"], 2);
  ASSERT_EQ(j["steps"].size(), 2u);
  EXPECT_EQ(j["steps"][0]["op"], "MatMul");
  EXPECT_GT(j["steps"][0]["ms_per_run"].get<double>(), 0.0);
  EXPECT_GT(j["ms_per_run"]["kernels"].get<double>(), 0.0);
}

// Peaks: f32 from the driver's compute units, clock and f32 lanes; bandwidth measured by a copy
// (a 32 MiB copy that took a whole second would still state 67 MB/s, so 1e7 bounds it loosely).
TEST_F(OpenClDevice, StatesPeaksFromTheDriverAndAMeasuredCopy) {
  const auto dev = rt::DeviceRegistry::global().create("opencl");
  const auto ctx = opencl::open_cl_context({});
  cl_uint lanes = 0;
  ASSERT_EQ(clGetDeviceInfo(ctx->device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof(lanes), &lanes,
                            nullptr),
            CL_SUCCESS);
  const double want = 2.0 * ctx->compute_units * std::max<cl_uint>(lanes, 1) * ctx->clock_mhz * 1e6;
  EXPECT_GT(want, 0.0) << "the driver reports no compute units or clock";
  EXPECT_DOUBLE_EQ(dev->properties().peak_ops_per_s[NURI_DTYPE_F32], want);
  EXPECT_GT(dev->properties().memory_bandwidth_bytes_per_s, 1e7);
  std::printf("opencl peaks: f32 %.3g FLOP/s, %.3g bytes/s\n", want,
              dev->properties().memory_bandwidth_bytes_per_s);
}

}  // namespace
}  // namespace nuri
