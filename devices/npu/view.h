// A tensor in simulated DRAM as the NPU codegen sees it: an address, a shape and element
// strides, so reshapes, transposes and splits are views over the producer's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "nuri/tensor.hpp"
#include "simulator/npu/dtype.h"

namespace nuri::npu {

namespace sim = nuri::sim::npu;

// A tensor in simulated DRAM: byte address of element 0, logical shape and element strides.
struct View {
  uint64_t addr = 0;
  Shape shape;
  std::vector<int64_t> strides;
  sim::DType dtype = sim::DType::BF16;
  bool dense() const;
  int64_t numel() const { return num_elements(shape); }
};
std::vector<int64_t> dense_strides(const Shape& shape);

// PyTorch's view-stride computation: strides for `nw` over the bytes of (old, os), if a view.
std::optional<std::vector<int64_t>> reshape_strides(const Shape& old,
                                                    const std::vector<int64_t>& os,
                                                    const Shape& nw);

}  // namespace nuri::npu
