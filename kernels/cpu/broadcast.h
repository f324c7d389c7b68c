// Numpy-style broadcasting helpers shared by the elementwise kernels.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace nuri::kernels {

using Dims = std::span<const int64_t>;

// Broadcast result of two shapes (right-aligned), or nullopt when they are incompatible.
std::optional<std::vector<int64_t>> broadcast_shapes(Dims a, Dims b);

// Row-major strides of `shape` as seen from `out_shape` (right-aligned): broadcast dims get
// stride 0. Requires `shape` to broadcast to `out_shape`.
std::vector<int64_t> broadcast_strides(Dims shape, Dims out_shape);

// Plain row-major strides.
std::vector<int64_t> contiguous_strides(Dims shape);

}  // namespace nuri::kernels
