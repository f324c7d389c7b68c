// Whole blocks needed to cover a count: the PIM kernels' tiles, groups and rows.
#pragma once

#include <cstdint>

namespace nuri::sim {

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace nuri::sim
