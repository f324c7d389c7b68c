// The cpu device's cost estimate: the roofline of its stated peaks on the op work `nuri inspect`
// counts, so the cost policy compares it with the other devices like with like.
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "devices/cpu/cpu_device.h"
#include "devices/cpu/host_peaks.h"

namespace nuri::cpu {
namespace {

TEST(CpuDeviceEstimate, IsTheRooflineOfItsPeaks) {
  ir::GraphBuilder b("est");
  const ir::ValueId x = b.input("x", DType::F32, {64, 256});
  const ir::ValueId w = b.constant_placeholder("w", DType::F32, {256, 512});
  b.output(b.add1(ir::OpKind::Relu, {b.matmul(x, w)}, {}, "relu"));
  const ir::Graph g = b.build();
  const ir::GraphDesc desc(g);
  const nuri_device_api* api = cpu_device_api();
  nuri_error err{};
  err.struct_size = sizeof(err);
  nuri_device_impl* dev = nullptr;
  ASSERT_EQ(api->device_create("", &dev, &err), NURI_OK) << err.message;
  nuri_device_properties p{};
  p.struct_size = sizeof(p);
  ASSERT_EQ(api->device_get_properties(dev, &p, &err), NURI_OK) << err.message;
  const double peak = p.peak_ops_per_s[NURI_DTYPE_F32], bw = p.memory_bandwidth_bytes_per_s;
  ASSERT_GT(peak, 0.0);
  ASSERT_GT(bw, 0.0);
  const auto estimate = [&](size_t node) {
    nuri_op_cost_args args{sizeof(nuri_op_cost_args), desc.get(), node, -1.0};
    EXPECT_EQ(api->device_estimate_op(dev, &args, &err), NURI_OK) << err.message;
    return args.seconds;
  };
  // MatMul: 2 x 64 x 512 x 256 flops; reads x and w, writes [64, 512], all f32.
  const double mm_flops = 2.0 * 64 * 512 * 256;
  const double mm_bytes = 4.0 * (64 * 256 + 256 * 512 + 64 * 512);
  EXPECT_DOUBLE_EQ(estimate(desc.desc_index(0)), std::max(mm_flops / peak, mm_bytes / bw));
  // Relu: one flop per element, 2 x [64, 512] f32 moved.
  const double relu_flops = 64.0 * 512, relu_bytes = 2 * 4.0 * 64 * 512;
  EXPECT_DOUBLE_EQ(estimate(desc.desc_index(1)), std::max(relu_flops / peak, relu_bytes / bw));
  api->device_release(dev);
}

// The declared peaks are the host's measured figures (not nominal constants): the same ones
// host_peaks() measured, and within what any current machine can do.
TEST(CpuDeviceEstimate, PeaksAreTheMeasuredOnes) {
  const HostPeaks& h = host_peaks();
  const nuri_device_api* api = cpu_device_api();
  nuri_error err{};
  err.struct_size = sizeof(err);
  nuri_device_impl* dev = nullptr;
  ASSERT_EQ(api->device_create("", &dev, &err), NURI_OK) << err.message;
  nuri_device_properties p{};
  p.struct_size = sizeof(p);
  ASSERT_EQ(api->device_get_properties(dev, &p, &err), NURI_OK) << err.message;
  EXPECT_EQ(p.peak_ops_per_s[NURI_DTYPE_F32], h.f32_flops_per_s);
  EXPECT_EQ(p.memory_bandwidth_bytes_per_s, h.bandwidth_bytes_per_s);
  api->device_release(dev);
  // Per core: above 1 GFLOP/s, below 2 FMA pipes x 16 lanes x 2 flops at 6 GHz.
  EXPECT_GT(h.f32_flops_per_s / h.cores, 1e9);
  EXPECT_LT(h.f32_flops_per_s / h.cores, 2 * 16 * 2 * 6e9);
  // Between 100 MB/s and 10 TB/s, also for one thread on its own.
  EXPECT_GT(h.bandwidth_bytes_per_s, 1e8);
  EXPECT_LT(h.bandwidth_bytes_per_s, 1e13);
  const double one = measure_copy_bandwidth(1, uint64_t{2} << 20, 2);
  EXPECT_GT(one, 1e8);
  EXPECT_LT(one, 1e13);
}

}  // namespace
}  // namespace nuri::cpu
