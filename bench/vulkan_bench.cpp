// GEMM 512x768x768 (f32; x[512,768] @ w[768,768], w a constant) on the vulkan device and on
// the cpu device (oneDNN), each through a Session as `nuri run` does. Counters: FLOP/s and
// bytes/s (A + B + C once), and for vulkan where the time goes: the host copies into and out
// of the arena, the submit-and-wait, and the GEMM dispatch by GPU timestamps.
// Issue 15's goal: lavapipe within 10x of the cpu device (both run on the same CPU cores).
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "compiler/ir/builder.h"
#include "devices/vulkan/vulkan_program.h"
#include "kernels/vulkan/context.h"
#include "runtime/registry.h"
#include "runtime/session.h"

namespace {

using namespace nuri;

constexpr int64_t M = 512, K = 768, N = 768;

Tensor random_tensor(Shape shape, uint32_t seed) {
  Tensor t(DType::F32, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = dist(gen);
  return t;
}

ir::Graph gemm_graph() {
  ir::GraphBuilder b("gemm_512x768x768");
  b.output(b.matmul(b.input("x", DType::F32, {M, K}), b.constant("w", random_tensor({K, N}, 1))));
  return b.build();
}

void set_rates(benchmark::State& state) {
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(4.0 * (M * K + K * N + M * N),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_GemmSession(benchmark::State& state, const char* device, const char* options) {
  rt::SessionOptions o;
  o.devices = {device};
  if (*options) o.device_options[device] = options;
  o.strict = true;
  std::unique_ptr<rt::Session> s;
  try {
    s = std::make_unique<rt::Session>(gemm_graph(), o);
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::vector<Tensor> in = {random_tensor({M, K}, 2)};
  // lavapipe compiles a shader with LLVM at its first dispatch, not at pipeline creation: the
  // first run is reported on its own and kept out of the timed loop.
  const auto t0 = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(s->run(in));
  const double first_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (auto _ : state) benchmark::DoNotOptimize(s->run(in));
  state.counters["first_run_ms"] = first_ms;
  set_rates(state);
}
// vulkan picks its GEMM kernel by driver (blocked on CPU drivers); tiled is the GPU kernel.
BENCHMARK_CAPTURE(BM_GemmSession, vulkan, "vulkan", "")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_GemmSession, vulkan_tiled, "vulkan", "gemm=tiled")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_GemmSession, cpu, "cpu", "")->Unit(benchmark::kMillisecond)->UseRealTime();

// The vulkan program without the Session around it, with its per-phase breakdown.
void BM_GemmVulkanBreakdown(benchmark::State& state) {
  std::shared_ptr<kernels::vk::Context> ctx;
  try {
    ctx = kernels::vk::Context::get({});
  } catch (const Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  vulkan::VulkanProgram prog(ctx, gemm_graph());
  const Tensor x = random_tensor({M, K}, 2);
  Tensor y(DType::F32, {M, N});
  const void* in[] = {x.data()};
  void* out[] = {y.data()};
  double upload = 0, wait = 0, download = 0, kernel = 0;
  prog.run(in, out);  // compiles the shader (see above)
  for (auto _ : state) {
    prog.run(in, out);
    const vulkan::RunProfile p = prog.profile();
    upload += p.upload_ns;
    wait += p.submit_wait_ns;
    download += p.download_ns;
    for (double ns : p.dispatch_ns) kernel += ns;
  }
  const double n = static_cast<double>(state.iterations()) * 1e6;
  state.counters["upload_ms"] = upload / n;
  state.counters["submit_wait_ms"] = wait / n;
  state.counters["gpu_kernel_ms"] = kernel / n;
  state.counters["download_ms"] = download / n;
  set_rates(state);
}
BENCHMARK(BM_GemmVulkanBreakdown)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
