// The opencl device's ABI events are its CL events: executable_execute enqueues and returns
// while the run is still going, event_query asks the driver, event_wait waits; results match
// the ref device, and a failure inside the run surfaces from the wait naming the node.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "devices/opencl/opencl_device.h"
#include "runtime/session.h"
#include "tests/devices/opencl/opencl_test_util.h"

namespace nuri {
namespace {

using ir::OpKind;

Tensor random_f32(const Shape& shape, uint64_t seed) {
  ir::SeededRandom rng(seed);
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(rng.normal());
  return t;
}

nuri_error fresh_error() {
  nuri_error e{};
  e.struct_size = sizeof(e);
  return e;
}

// The device through its C table alone, as a plugin host would drive it.
class OpenClEvents : public testing::OpenClTest {
 protected:
  void SetUp() override {
    OpenClTest::SetUp();
    if (IsSkipped()) return;
    nuri_error err = fresh_error();
    ASSERT_EQ(api_->device_create("", &dev_, &err), NURI_OK) << err.message;
  }
  void TearDown() override {
    for (nuri_buffer_impl* b : buffers_) api_->buffer_release(dev_, b);
    if (exe_) api_->executable_release(dev_, exe_);
    if (dev_) api_->device_release(dev_);
  }
  void compile(const ir::Graph& g) {
    const ir::GraphDesc desc(g);
    nuri_compile_args args{};
    args.struct_size = sizeof(args);
    args.partition = desc.get();
    nuri_error err = fresh_error();
    ASSERT_EQ(api_->executable_compile(dev_, &args, &err), NURI_OK) << err.message;
    exe_ = args.executable;
  }
  nuri_buffer_impl* buffer(uint64_t bytes, const void* data = nullptr) {
    nuri_buffer_impl* b = nullptr;
    nuri_error err = fresh_error();
    EXPECT_EQ(api_->buffer_alloc(dev_, bytes, &b, &err), NURI_OK) << err.message;
    buffers_.push_back(b);
    if (data) {
      EXPECT_EQ(api_->buffer_write(dev_, b, 0, data, bytes, &err), NURI_OK) << err.message;
    }
    return b;
  }
  // Executes; the event comes back through `event`.
  nuri_status execute(nuri_buffer_impl* in, nuri_buffer_impl* out, nuri_event_impl** event,
                      nuri_error* err) {
    nuri_execute_args args{};
    args.struct_size = sizeof(args);
    args.executable = exe_;
    args.inputs = &in;
    args.num_inputs = 1;
    args.outputs = &out;
    args.num_outputs = 1;
    const nuri_status s = api_->executable_execute(dev_, &args, err);
    *event = args.event;
    return s;
  }

  const nuri_device_api* api_ = opencl::opencl_device_api();
  nuri_device_impl* dev_ = nullptr;
  nuri_executable_impl* exe_ = nullptr;
  std::vector<nuri_buffer_impl*> buffers_;
};

TEST_F(OpenClEvents, ExecuteReturnsBeforeTheRunCompletes) {
  // Four chained 512x768x768 GEMMs: about 2.4 GFLOP, far more than the microseconds between
  // execute returning and the first query, on any driver.
  constexpr int64_t M = 512, K = 768;
  ir::GraphBuilder b("gemm_chain");
  auto h = b.input("x", DType::F32, {M, K});
  for (int i = 0; i < 4; ++i)
    h = b.matmul(h, b.constant("w" + std::to_string(i), random_f32({K, K}, 10 + i)));
  b.output(h);
  const ir::Graph g = b.build();
  compile(g);
  const Tensor x = random_f32({M, K}, 1);
  nuri_buffer_impl* in = buffer(x.nbytes(), x.data());
  nuri_buffer_impl* out = buffer(x.nbytes());
  nuri_error err = fresh_error();
  nuri_event_impl* event = nullptr;
  ASSERT_EQ(execute(in, out, &event, &err), NURI_OK) << err.message;
  ASSERT_NE(api_->event_query, nullptr);
  EXPECT_EQ(api_->event_query(dev_, event), 0) << "the run must still be going after execute";
  EXPECT_EQ(api_->event_wait(dev_, event, &err), NURI_OK) << err.message;
  EXPECT_EQ(api_->event_query(dev_, event), 1);
  api_->event_release(dev_, event);

  Tensor got(DType::F32, {M, K});
  ASSERT_EQ(api_->buffer_read(dev_, out, 0, got.data(), got.nbytes(), &err), NURI_OK);
  rt::SessionOptions o;
  o.devices = {"ref"};
  const Tensor want = rt::Session(g, o).run({x})[0];
  double scale = 1;
  for (int64_t i = 0; i < want.numel(); ++i)
    scale = std::max(scale, double(std::fabs(want.data_as<float>()[i])));
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_NEAR(got.data_as<float>()[i], want.data_as<float>()[i],
                1e-4 * (std::fabs(want.data_as<float>()[i]) + scale))
        << "element " << i;
}

TEST_F(OpenClEvents, AFaultInsideTheRunComesFromTheWaitNamingTheNode) {
  ir::GraphBuilder b("bad_ids");
  auto table = b.constant("table", random_f32({10, 4}, 2));
  auto ids = b.input("ids", DType::I64, {2});
  b.output(b.add1(OpKind::Embedding, {table, ids}, {}, "tok_embed"));
  compile(b.build());
  const int64_t bad[] = {1, 10};
  nuri_buffer_impl* in = buffer(sizeof(bad), bad);
  nuri_buffer_impl* out = buffer(2 * 4 * sizeof(float));
  nuri_error err = fresh_error();
  nuri_event_impl* event = nullptr;
  ASSERT_EQ(execute(in, out, &event, &err), NURI_OK) << "enqueueing succeeds: " << err.message;
  EXPECT_EQ(api_->event_query(dev_, event), 0) << "a failed run is never reported complete";
  EXPECT_NE(api_->event_wait(dev_, event, &err), NURI_OK);
  EXPECT_NE(std::string(err.message).find("tok_embed"), std::string::npos) << err.message;
  api_->event_release(dev_, event);
}

}  // namespace
}  // namespace nuri
