#include "tools/nuri/summary.h"

#include <fmt/format.h>

#include <cmath>

#include "kernels/cpu/layout.h"

namespace nuri::cli {
namespace {

// Values as doubles, whatever the dtype.
std::vector<double> as_f64(const Tensor& t) {
  std::vector<float> f(t.numel());
  kernels::cast(t.data(), static_cast<nuri_dtype>(t.dtype()), f.data(), NURI_DTYPE_F32, t.numel());
  return {f.begin(), f.end()};
}

}  // namespace

std::vector<int64_t> argmax_last(const Tensor& t) {
  std::vector<int64_t> ids;
  if (t.rank() == 0 || t.numel() == 0) return ids;
  const std::vector<double> v = as_f64(t);
  const int64_t n = t.shape().back();
  for (int64_t row = 0; row < t.numel() / n; ++row) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; ++j)
      if (v[row * n + j] > v[row * n + best]) best = j;
    ids.push_back(best);
  }
  return ids;
}

Checksum checksum(const Tensor& t) {
  Checksum c;
  for (double x : as_f64(t)) {
    c.sum += x;
    c.abs_sum += std::fabs(x);
  }
  c.fnv1a = 0xcbf29ce484222325ull;
  const auto* bytes = static_cast<const unsigned char*>(t.data());
  for (size_t i = 0; i < t.nbytes(); ++i) c.fnv1a = (c.fnv1a ^ bytes[i]) * 0x100000001b3ull;
  return c;
}

std::string format_checksum(const Checksum& c) {
  return fmt::format("sum={:.6f} abs_sum={:.6f} fnv1a={:016x}", c.sum, c.abs_sum, c.fnv1a);
}

}  // namespace nuri::cli
