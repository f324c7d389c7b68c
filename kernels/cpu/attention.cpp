#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {

namespace {

void check_dims(const AttentionDims& d, const AttentionMask& mask) {
  if (d.batch < 0 || d.q_heads < 0 || d.q_len < 0 || d.kv_len < 0 || d.head_dim < 0 ||
      d.v_head_dim < 0)
    throw Error("attention: negative dimension");
  if (d.kv_heads <= 0 || d.q_heads % d.kv_heads != 0)
    throw Error("attention: kv_heads " + std::to_string(d.kv_heads) + " must divide q_heads " +
                std::to_string(d.q_heads));
  if (mask.additive != nullptr && mask.allowed != nullptr)
    throw Error("attention: give an additive or a bool mask, not both");
}

}  // namespace

void attention(const AttentionDims& dims, const float* q, const float* k, const float* v,
               const AttentionMask& mask, float* out) {
  check_dims(dims, mask);
  const int64_t S = dims.q_len, T = dims.kv_len, D = dims.head_dim, Dv = dims.v_head_dim;
  const int64_t group = dims.q_heads / dims.kv_heads;  // q heads per kv head
  const float neg_inf = -std::numeric_limits<float>::infinity();
  std::vector<float> scores(static_cast<size_t>(T));
  std::vector<double> acc(static_cast<size_t>(Dv));

  for (int64_t b = 0; b < dims.batch; ++b) {
    for (int64_t h = 0; h < dims.q_heads; ++h) {
      const int64_t kvh = h / group;
      const float* kh = k + (b * dims.kv_heads + kvh) * T * D;
      const float* vh = v + (b * dims.kv_heads + kvh) * T * Dv;
      for (int64_t i = 0; i < S; ++i) {
        const float* qi = q + ((b * dims.q_heads + h) * S + i) * D;
        float* oi = out + ((b * dims.q_heads + h) * S + i) * Dv;
        const int64_t mask_row = b * mask.strides[0] + h * mask.strides[1] + i * mask.strides[2];
        // Queries are the last S of T positions; a causal query sees keys up to its own.
        const int64_t visible = dims.causal ? std::clamp<int64_t>(T - S + i + 1, 0, T) : T;

        // Pass 1: scores (masked keys as -inf) and their maximum.
        float row_max = neg_inf;
        for (int64_t j = 0; j < visible; ++j) {
          const int64_t m = mask_row + j * mask.strides[3];
          if (mask.allowed != nullptr && mask.allowed[m] == 0) {
            scores[j] = neg_inf;
            continue;
          }
          const float* kj = kh + j * D;
          float dot = 0.0f;
          for (int64_t d = 0; d < D; ++d) dot += qi[d] * kj[d];
          float s = dot * dims.scale;
          if (mask.additive != nullptr) s += mask.additive[m];
          scores[j] = s;
          row_max = std::max(row_max, s);
        }
        if (row_max == neg_inf) {
          // Every key masked: zeros rather than 0/0.
          std::fill(oi, oi + Dv, 0.0f);
          continue;
        }

        // Pass 2: exp relative to the max (no overflow), weighted sum of values.
        std::fill(acc.begin(), acc.end(), 0.0);
        double denom = 0.0;
        for (int64_t j = 0; j < visible; ++j) {
          if (scores[j] == neg_inf) continue;
          const double w = std::exp(static_cast<double>(scores[j] - row_max));
          denom += w;
          const float* vj = vh + j * Dv;
          for (int64_t d = 0; d < Dv; ++d) acc[d] += w * vj[d];
        }
        for (int64_t d = 0; d < Dv; ++d) oi[d] = static_cast<float>(acc[d] / denom);
      }
    }
  }
}

}  // namespace nuri::kernels
