#include "compiler/models/seeded_weights.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace nuri::ir {
namespace {

constexpr uint32_t kGolden = 0x9E3779B9U;  // odd: index * kGolden is a bijection on 32 bits

// Every index with the same upper 32 bits shares a salt: the inner loop then hashes 32-bit
// lanes only, which the compiler vectorizes.
uint32_t salt(uint64_t key, uint64_t index) {
  const auto hi = static_cast<uint32_t>(index >> 32);
  return mix32(static_cast<uint32_t>(key >> 32) ^ mix32(hi + kGolden)) ^ static_cast<uint32_t>(key);
}

// 2^-31 * sqrt(3) * stddev: maps a signed 32-bit hash onto [-sqrt(3), sqrt(3)) * stddev.
float scale_for(double stddev) {
  return static_cast<float>(std::sqrt(3.0) * stddev * 0x1.0p-31);
}

inline float value(uint32_t lo, uint32_t salt, float scale) {
  // The signed hash plus one half: symmetric around 0, never exactly 0 or the bound.
  const auto h = static_cast<int32_t>(mix32(lo * kGolden + salt));
  return (static_cast<float>(h) + 0.5f) * scale;
}

// Entries [begin, end) of one stream; the loop body is branch-free 32-bit arithmetic.
void fill_range(float* out, uint64_t begin, uint64_t end, uint64_t key, float scale) {
  while (begin < end) {
    const uint64_t block_end = std::min(end, ((begin >> 32) + 1) << 32);  // same upper bits
    const uint32_t s = salt(key, begin);
    const auto lo0 = static_cast<uint32_t>(begin);
    const uint64_t count = block_end - begin;
    float* dst = out + begin;
    for (uint64_t i = 0; i < count; ++i) dst[i] = value(lo0 + static_cast<uint32_t>(i), s, scale);
    begin = block_end;
  }
}

}  // namespace

float weight_at(uint64_t key, uint64_t index, double stddev) {
  return value(static_cast<uint32_t>(index), salt(key, index), scale_for(stddev));
}

void fill_weights(float* out, int64_t n, uint64_t key, double stddev, int threads) {
  if (n <= 0) return;
  const float scale = scale_for(stddev);
  const auto fill = [&](int64_t begin, int64_t end) {
    fill_range(out, static_cast<uint64_t>(begin), static_cast<uint64_t>(end), key, scale);
  };
  constexpr int64_t kMinPerThread = int64_t{1}
                                    << 20;  // below this a thread costs more than it saves
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
