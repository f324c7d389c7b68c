#include "compiler/models/seeded_normal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <thread>
#include <vector>

#include "compiler/models/seeded_random.h"

namespace nuri::ir {
namespace {

constexpr int kLayers = 256;
constexpr double kR = 3.6541528853610088;           // start of the tail (256 layers)
constexpr double kArea = 0.00492867323399;          // area of each layer and of base + tail
constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // splitmix64's counter step

// x[i]: right edge of layer i's rectangle (x[0] is the base strip's pseudo-width, x[256] = 0);
// f[i] = exp(-x[i]^2 / 2).
struct Tables {
  std::array<double, kLayers + 1> x{}, f{};
  Tables() {
    const auto pdf = [](double v) { return std::exp(-0.5 * v * v); };
    x[0] = kArea / pdf(kR);
    x[1] = kR;
    for (int i = 2; i < kLayers; ++i)
      x[i] = std::sqrt(-2.0 * std::log(kArea / x[i - 1] + pdf(x[i - 1])));
    x[kLayers] = 0.0;
    for (int i = 0; i <= kLayers; ++i) f[i] = pdf(x[i]);
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

// Uniform in (0, 1) from 53 bits, never 0 (logs of it are taken).
double open_uniform(uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

// The rare entries the fast path rejects: more draws from a generator seeded by the first hash.
double slow_path(const Tables& t, uint64_t bits) {
  SeededRandom more(bits);
  for (;;) {
    const int i = static_cast<int>(bits & 0xff);
    const double u = 2.0 * open_uniform(bits) - 1.0;  // sign and magnitude together
    const double x = u * t.x[i];
    if (std::fabs(x) < t.x[i + 1]) return x;
    if (i == 0) {  // the tail beyond kR (Marsaglia's method)
      double tx, ty;
      do {
        tx = std::log(open_uniform(more.next_u64())) / kR;
        ty = std::log(open_uniform(more.next_u64()));
      } while (-2.0 * ty < tx * tx);
      return u < 0 ? tx - kR : kR - tx;
    }
    if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * open_uniform(more.next_u64()) < std::exp(-0.5 * x * x))
      return x;
    bits = more.next_u64();
  }
}

inline double normal(const Tables& t, uint64_t key, uint64_t index) {
  const uint64_t bits = mix64(key + (index + 1) * kGamma);
  const int i = static_cast<int>(bits & 0xff);
  const double x = (2.0 * open_uniform(bits) - 1.0) * t.x[i];
  if (std::fabs(x) < t.x[i + 1]) [[likely]]
    return x;  // inside the layer's rectangle under the curve
  return slow_path(t, bits);
}

}  // namespace

double normal_at(uint64_t key, uint64_t index) {
  return normal(tables(), key, index);
}

void fill_normal(float* out, int64_t n, uint64_t key, double stddev, int threads) {
  const Tables& t = tables();  // built once, before any worker reads them
  const auto fill = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      out[i] = static_cast<float>(normal(t, key, static_cast<uint64_t>(i)) * stddev);
  };
  constexpr int64_t kMinPerThread = int64_t{1}
                                    << 18;  // below this a thread costs more than it saves
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t workers = std::clamp<int64_t>(n / kMinPerThread, 1, threads);
  if (workers == 1) return fill(0, n);
  std::vector<std::thread> team;
  const int64_t per = (n + workers - 1) / workers;
  for (int64_t w = 1; w < workers; ++w)
    team.emplace_back(fill, w * per, std::min(n, (w + 1) * per));
  fill(0, std::min(n, per));
  for (std::thread& th : team) th.join();
}

}  // namespace nuri::ir
