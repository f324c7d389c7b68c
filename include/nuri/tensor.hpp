// Host tensors and element types: the value type users hand to Nuri and get back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nuri/error.hpp"
#include "nuri/types.h"

namespace nuri {

enum class DType : int32_t {
  F32 = NURI_DTYPE_F32,
  F16 = NURI_DTYPE_F16,
  BF16 = NURI_DTYPE_BF16,
  I8 = NURI_DTYPE_I8,
  I32 = NURI_DTYPE_I32,
  I64 = NURI_DTYPE_I64,
  Bool = NURI_DTYPE_BOOL,
  U8 = NURI_DTYPE_U8,
};

inline constexpr DType kAllDTypes[] = {DType::F32, DType::F16, DType::BF16, DType::I8,
                                       DType::I32, DType::I64, DType::Bool, DType::U8};

inline constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32:
      return 4;
    case DType::F16:
      return 2;
    case DType::BF16:
      return 2;
    case DType::I8:
      return 1;
    case DType::I32:
      return 4;
    case DType::I64:
      return 8;
    case DType::Bool:
      return 1;
    case DType::U8:
      return 1;
  }
  return 0;
}

inline constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32:
      return "f32";
    case DType::F16:
      return "f16";
    case DType::BF16:
      return "bf16";
    case DType::I8:
      return "i8";
    case DType::I32:
      return "i32";
    case DType::I64:
      return "i64";
    case DType::Bool:
      return "bool";
    case DType::U8:
      return "u8";
  }
  return "?";
}

inline constexpr bool is_float(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}
inline constexpr bool is_integer(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I32 || t == DType::I64;
}

inline std::optional<DType> parse_dtype(std::string_view s) {
  for (DType t : kAllDTypes)
    if (s == dtype_name(t)) return t;
  return std::nullopt;
}

using Shape = std::vector<int64_t>;

inline int64_t num_elements(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(std::span<const int64_t> shape);

// An owning, contiguous, row-major host tensor.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape)
      : dtype_(dtype), shape_(std::move(shape)), bytes_(nbytes_for(dtype_, shape_)) {}

  template <typename T>
  static Tensor from(DType dtype, Shape shape, std::initializer_list<T> values) {
    Tensor t(dtype, std::move(shape));
    if (values.size() != static_cast<size_t>(t.numel()) || sizeof(T) != dtype_size(dtype))
      throw Error("Tensor::from: " + std::to_string(values.size()) + " values of size " +
                  std::to_string(sizeof(T)) + " for shape " + shape_str(t.shape()) + " " +
                  dtype_name(dtype));
    std::memcpy(t.data(), values.begin(), t.nbytes());
    return t;
  }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const { return num_elements(shape_); }
  size_t nbytes() const { return bytes_.size(); }
  void* data() { return bytes_.data(); }
  const void* data() const { return bytes_.data(); }
  template <typename T>
  T* data_as() {
    return reinterpret_cast<T*>(bytes_.data());
  }
  template <typename T>
  const T* data_as() const {
    return reinterpret_cast<const T*>(bytes_.data());
  }

  // Same bytes, new shape of equal element count.
  Tensor reshaped(Shape shape) const {
    if (num_elements(shape) != numel())
      throw Error("Tensor::reshaped: " + shape_str(shape_) + " -> " + shape_str(shape));
    Tensor t = *this;
    t.shape_ = std::move(shape);
    return t;
  }

 private:
  static size_t nbytes_for(DType dtype, const Shape& shape) {
    for (int64_t d : shape)
      if (d < 0) throw Error("Tensor: negative dimension in shape " + shape_str(shape));
    return static_cast<size_t>(num_elements(shape)) * dtype_size(dtype);
  }

  DType dtype_ = DType::F32;
  Shape shape_;
  // 64-byte aligned storage so kernels may use aligned vector loads.
  struct alignas(64) Block {
    std::byte b[64];
  };
  struct Bytes {
    // Always at least one block, so data() is never null (also for empty tensors).
    std::vector<Block> blocks = std::vector<Block>(1);
    size_t size_ = 0;
    Bytes() = default;
    explicit Bytes(size_t n) : blocks(n > 64 ? (n + 63) / 64 : 1), size_(n) {}
    std::byte* data() { return blocks.front().b; }
    const std::byte* data() const { return blocks.front().b; }
    size_t size() const { return size_; }
  } bytes_;
};

inline std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace nuri
