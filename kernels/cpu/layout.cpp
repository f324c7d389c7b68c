// Data movement kernels. All of transpose, slice and expand reduce to one strided gather:
// walk the contiguous output and read the source through per-dimension element strides.
#include "kernels/cpu/layout.h"

#include <cstring>
#include <string>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {

namespace {

int64_t product(Dims shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= shape[i];
  return p;
}

void check_shape(Dims shape, const char* what) {
  for (int64_t d : shape)
    if (d < 0) throw Error(std::string(what) + ": negative dimension " + std::to_string(d));
}

void check_axis(int64_t axis, size_t rank, const char* what) {
  if (axis < 0 || static_cast<size_t>(axis) >= rank)
    throw Error(std::string(what) + ": axis " + std::to_string(axis) + " out of range for rank " +
                std::to_string(rank));
}

template <typename T>
void strided_copy_typed(const char* src, Dims shape, const std::vector<int64_t>& strides,
                        char* dst) {
  const size_t rank = shape.size();
  const int64_t total = product(shape, 0, rank);
  if (total == 0) return;
  // Innermost dimension in a tight loop; an odometer advances the outer ones.
  const int64_t inner = rank == 0 ? 1 : shape[rank - 1];
  const int64_t inner_stride = rank == 0 ? 0 : strides[rank - 1];
  const size_t outer_rank = rank == 0 ? 0 : rank - 1;
  std::vector<int64_t> index(outer_rank, 0);
  int64_t offset = 0;  // source element offset of the current row
  for (int64_t row = 0, rows = total / inner; row < rows; ++row) {
    // memcpy per element: buffers of raw bytes need not be aligned for T.
    const char* s = src + offset * static_cast<int64_t>(sizeof(T));
    char* d = dst + row * inner * static_cast<int64_t>(sizeof(T));
    for (int64_t i = 0; i < inner; ++i) {
      T v;
      std::memcpy(&v, s + i * inner_stride * static_cast<int64_t>(sizeof(T)), sizeof(T));
      std::memcpy(d + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
    }
    for (size_t dim = outer_rank; dim-- > 0;) {
      offset += strides[dim];
      if (++index[dim] < shape[dim]) break;
      offset -= strides[dim] * shape[dim];
      index[dim] = 0;
    }
  }
}

// Byte-wise fallback for element sizes other than 1, 2, 4, 8.
void strided_copy_bytes(const char* src, Dims shape, const std::vector<int64_t>& strides, char* dst,
                        size_t elem_size) {
  const size_t rank = shape.size();
  const int64_t total = product(shape, 0, rank);
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  const auto es = static_cast<int64_t>(elem_size);
  for (int64_t n = 0; n < total; ++n) {
    std::memcpy(dst + n * es, src + offset * es, elem_size);
    for (size_t dim = rank; dim-- > 0;) {
      offset += strides[dim];
      if (++index[dim] < shape[dim]) break;
      offset -= strides[dim] * shape[dim];
      index[dim] = 0;
    }
  }
}

// dst (contiguous, `shape`) [idx] = src[sum idx[d] * strides[d]], strides in elements.
void strided_copy(const void* src, Dims shape, const std::vector<int64_t>& strides, void* dst,
                  size_t elem_size) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  switch (elem_size) {
    case 1:
      return strided_copy_typed<uint8_t>(s, shape, strides, d);
    case 2:
      return strided_copy_typed<uint16_t>(s, shape, strides, d);
    case 4:
      return strided_copy_typed<uint32_t>(s, shape, strides, d);
    case 8:
      return strided_copy_typed<uint64_t>(s, shape, strides, d);
    default:
      return strided_copy_bytes(s, shape, strides, d, elem_size);
  }
}

}  // namespace

void transpose(const void* src, Dims shape, Dims perm, void* dst, size_t elem_size) {
  check_shape(shape, "transpose");
  if (perm.size() != shape.size())
    throw Error("transpose: perm has " + std::to_string(perm.size()) + " entries for rank " +
                std::to_string(shape.size()));
  const std::vector<int64_t> src_strides = contiguous_strides(shape);
  std::vector<bool> seen(shape.size(), false);
  std::vector<int64_t> out_shape(shape.size()), strides(shape.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    check_axis(perm[i], shape.size(), "transpose");
    const auto p = static_cast<size_t>(perm[i]);
    if (seen[p]) throw Error("transpose: perm repeats axis " + std::to_string(p));
    seen[p] = true;
    out_shape[i] = shape[p];
    strides[i] = src_strides[p];
  }
  strided_copy(src, out_shape, strides, dst, elem_size);
}

void concat(std::span<const void* const> srcs, std::span<const Dims> shapes, int64_t axis,
            void* dst, size_t elem_size) {
  if (srcs.size() != shapes.size() || srcs.empty())
    throw Error("concat: needs one shape per input and at least one input");
  const Dims first = shapes[0];
  check_axis(axis, first.size(), "concat");
  const auto ax = static_cast<size_t>(axis);
  for (const Dims s : shapes) {
    check_shape(s, "concat");
    bool agree = s.size() == first.size();
    for (size_t d = 0; agree && d < s.size(); ++d) agree = d == ax || s[d] == first[d];
    if (!agree) throw Error("concat: input shapes differ outside axis " + std::to_string(axis));
  }
  const int64_t outer = product(first, 0, ax);
  const auto inner_bytes = static_cast<size_t>(product(first, ax + 1, first.size())) * elem_size;
  auto* out = static_cast<char*>(dst);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < srcs.size(); ++i) {
      // Each input contributes one contiguous block of shape[axis] * inner per outer index.
      const size_t block = static_cast<size_t>(shapes[i][ax]) * inner_bytes;
      if (block == 0) continue;  // empty input: its pointer may be null
      std::memcpy(out, static_cast<const char*>(srcs[i]) + static_cast<size_t>(o) * block, block);
      out += block;
    }
  }
}

void split(const void* src, Dims shape, int64_t axis, Dims sizes, std::span<void* const> dsts,
           size_t elem_size) {
  check_shape(shape, "split");
  check_axis(axis, shape.size(), "split");
  if (sizes.size() != dsts.size())
    throw Error("split: " + std::to_string(sizes.size()) + " sizes for " +
                std::to_string(dsts.size()) + " outputs");
  const auto ax = static_cast<size_t>(axis);
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) throw Error("split: negative piece size " + std::to_string(s));
    sum += s;
  }
  if (sum != shape[ax])
    throw Error("split: sizes sum to " + std::to_string(sum) + " but axis has " +
                std::to_string(shape[ax]));
  const int64_t outer = product(shape, 0, ax);
  const auto inner_bytes = static_cast<size_t>(product(shape, ax + 1, shape.size())) * elem_size;
  const auto* in = static_cast<const char*>(src);
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t i = 0; i < dsts.size(); ++i) {
      const size_t block = static_cast<size_t>(sizes[i]) * inner_bytes;
      if (block == 0) continue;
      std::memcpy(static_cast<char*>(dsts[i]) + static_cast<size_t>(o) * block, in, block);
      in += block;
    }
  }
}

void slice(const void* src, Dims shape, Dims starts, Dims steps, void* dst, Dims out_shape,
           size_t elem_size) {
  const size_t rank = shape.size();
  if (starts.size() != rank || steps.size() != rank || out_shape.size() != rank)
    throw Error("slice: starts, steps and out_shape must have rank " + std::to_string(rank));
  check_shape(shape, "slice");
  check_shape(out_shape, "slice");
  const std::vector<int64_t> src_strides = contiguous_strides(shape);
  std::vector<int64_t> strides(rank);
  int64_t base = 0;
  bool empty = false;
  for (size_t d = 0; d < rank; ++d) {
    if (out_shape[d] == 0) empty = true;
    // The first and last element read along each dim must lie inside the source.
    const int64_t last = starts[d] + (out_shape[d] - 1) * steps[d];
    if (out_shape[d] > 0 &&
        (starts[d] < 0 || starts[d] >= shape[d] || last < 0 || last >= shape[d]))
      throw Error("slice: dim " + std::to_string(d) + " reads outside the source");
    base += starts[d] * src_strides[d];
    strides[d] = steps[d] * src_strides[d];
  }
  if (empty) return;
  const auto* s = static_cast<const char*>(src) + static_cast<size_t>(base) * elem_size;
  strided_copy(s, out_shape, strides, dst, elem_size);
}

bool gather(const void* data, Dims data_shape, int64_t axis, const int64_t* indices,
            int64_t num_indices, void* dst, size_t elem_size) {
  check_shape(data_shape, "gather");
  check_axis(axis, data_shape.size(), "gather");
  const auto ax = static_cast<size_t>(axis);
  const int64_t dim = data_shape[ax];
  // Validate every index before writing, so a failure leaves dst untouched.
  for (int64_t i = 0; i < num_indices; ++i)
    if (indices[i] < -dim || indices[i] >= dim) return false;
  const int64_t outer = product(data_shape, 0, ax);
  const auto inner_bytes =
      static_cast<size_t>(product(data_shape, ax + 1, data_shape.size())) * elem_size;
  const auto* in = static_cast<const char*>(data);
  auto* out = static_cast<char*>(dst);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < num_indices; ++i) {
      const int64_t idx = indices[i] < 0 ? indices[i] + dim : indices[i];
      std::memcpy(out, in + static_cast<size_t>(o * dim + idx) * inner_bytes, inner_bytes);
      out += inner_bytes;
    }
  }
  return true;
}

void expand(const void* src, Dims src_shape, void* dst, Dims out_shape, size_t elem_size) {
  check_shape(src_shape, "expand");
  check_shape(out_shape, "expand");
  if (src_shape.size() > out_shape.size())
    throw Error("expand: source rank " + std::to_string(src_shape.size()) +
                " exceeds output rank " + std::to_string(out_shape.size()));
  const size_t offset = out_shape.size() - src_shape.size();
  for (size_t i = 0; i < src_shape.size(); ++i)
    if (src_shape[i] != 1 && src_shape[i] != out_shape[offset + i])
      throw Error("expand: dim " + std::to_string(i) + " of size " + std::to_string(src_shape[i]) +
                  " cannot broadcast to " + std::to_string(out_shape[offset + i]));
  strided_copy(src, out_shape, broadcast_strides(src_shape, out_shape), dst, elem_size);
}

}  // namespace nuri::kernels
