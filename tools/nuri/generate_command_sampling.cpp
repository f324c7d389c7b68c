#include "tools/nuri/generate_command_sampling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::cli {

SamplingKind parse_sampling(const std::string& name) {
  if (name == "greedy") return SamplingKind::Greedy;
  if (name == "top-k") return SamplingKind::TopK;
  if (name == "top-p") return SamplingKind::TopP;
  throw Error(fmt::format("--sampling {}: expected greedy, top-k or top-p", name),
              NURI_ERROR_INVALID_ARGUMENT);
}

int64_t Sampler::next(std::span<const float> logits) {
  const int64_t n = static_cast<int64_t>(logits.size());
  if (s_.kind == SamplingKind::Greedy)
    return std::max_element(logits.begin(), logits.end()) - logits.begin();
  // Candidates by decreasing logit (ties: lower id first, so results do not depend on sort).
  std::vector<int64_t> ids(static_cast<size_t>(n));
  std::iota(ids.begin(), ids.end(), 0);
  const auto before = [&](int64_t a, int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  int64_t keep = n;
  if (s_.kind == SamplingKind::TopK) {
    keep = std::min(s_.top_k, n);
    std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(), before);
  } else {
    std::sort(ids.begin(), ids.end(), before);
  }
  // Softmax over the candidates (in double: the sums decide which tokens stay).
  std::vector<double> p(static_cast<size_t>(keep));
  const double top = logits[ids[0]];
  double sum = 0;
  for (int64_t i = 0; i < keep; ++i) sum += p[i] = std::exp(double(logits[ids[i]]) - top);
  if (s_.kind == SamplingKind::TopP) {
    double cum = 0;
    int64_t i = 0;
    while (i < keep && cum < s_.top_p * sum) cum += p[i++];
    keep = std::max<int64_t>(i, 1);
    sum = cum > 0 ? cum : p[0];
  }
  double u = rng_.uniform() * sum;
  for (int64_t i = 0; i < keep; ++i) {
    if (u < p[i]) return ids[i];
    u -= p[i];
  }
  return ids[keep - 1];  // rounding left u at the very end
}

}  // namespace nuri::cli
