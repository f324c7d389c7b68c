#include "kernels/vulkan/peaks.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kernels/vulkan/buffer.h"
#include "kernels/vulkan/command_list.h"

namespace nuri::kernels::vk {
namespace {

constexpr uint32_t kGroups = 64, kInvocations = kGroups * 64, kIterations = 32;
constexpr uint64_t kCopyBytes = uint64_t{32} << 20;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// This process's CPU seconds, all threads: a CPU driver (lavapipe) runs the work on its own
// threads here, and CPU time does not count the time other processes hold the cores.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

bool cpu_driver(const Context& ctx) {
  return ctx.properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

double f32_flops_per_s(const std::shared_ptr<Context>& ctx) {
  const uint32_t out_word = 16;
  Buffer arena(ctx, (out_word + kInvocations) * 4, Memory::Device);
  Dispatch d{Kernel::Peak, {out_word, kIterations}, {kGroups, 1, 1}, "f32 peak probe"};
  CommandList commands(ctx, arena, {d});
  double best = 0;
  for (int run = 0; run < 7; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    commands.run();
    const double host = seconds_since(t0);
    if (run == 0) continue;  // the first run may include compiling the shader
    const double s = commands.dispatch_ns().empty() ? host : commands.dispatch_ns()[0] * 1e-9;
    if (s > 0 && (best == 0 || s < best)) best = s;
  }
  const double flops = double{kInvocations} * kIterations * 64 * 4 * 4 * 2;
  return best > 0 ? flops / best : 0;
}

double copy_bytes_per_s(const std::shared_ptr<Context>& ctx) {
  // Device to device: on a discrete GPU the staging type would measure the bus instead.
  Buffer src(ctx, kCopyBytes, Memory::Device), dst(ctx, kCopyBytes, Memory::Device);
  Staging copy;
  copy.buffer = src.handle();
  copy.upload.push_back({0, 0, kCopyBytes});
  CommandList commands(ctx, dst, {}, copy);
  // On a CPU driver one thread copies: its CPU time is the copy's time.
  const bool on_cpu = cpu_driver(*ctx);
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_seconds();
    commands.run();
    const double s = on_cpu ? process_cpu_seconds() - c0 : seconds_since(t0);
    if (s > 0 && (best == 0 || s < best)) best = s;
  }
  return best > 0 ? 2.0 * kCopyBytes / best : 0;
}

}  // namespace

Peaks measured_peaks(const std::shared_ptr<Context>& context) {
  static std::mutex mutex;
  static std::map<std::string, Peaks> measured;
  std::lock_guard lock(mutex);
  const std::string key =
      context->driver() + "|" + std::to_string(context->properties().driverVersion);
  if (auto it = measured.find(key); it != measured.end()) return it->second;
  Peaks p;
  p.f32_flops_per_s = f32_flops_per_s(context);
  p.bytes_per_s = copy_bytes_per_s(context);
  measured[key] = p;
  return p;
}

}  // namespace nuri::kernels::vk
