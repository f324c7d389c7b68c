// Host tensors and element types: the value type users hand to Nuri and get back.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <mutex>
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

// Bytes copied so far from views unaligned for a typed read (Tensor::aligned_data): a device that
// packs weights from the raw bytes leaves it unchanged, which tests observe.
inline std::atomic<uint64_t>& unaligned_view_copy_bytes() {
  static std::atomic<uint64_t> bytes{0};
  return bytes;
}

// A contiguous, row-major host tensor with value semantics. It owns its bytes, or is a
// read-only view of bytes someone else keeps alive (a memory-mapped weight file): views copy
// in O(1) and share the bytes; writing through a view (non-const data()) first copies the bytes
// into the tensor's own storage, so a view never writes into what it refers to.
class Tensor {
 public:
  Tensor() : Tensor(DType::F32, Shape{}, 0) {}
  // Zero-filled. Large blocks come straight from the OS (calloc), so pages are zeroed as they
  // are first touched, not in a separate pass.
  Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
    allocate(nbytes_for(dtype_, shape_));
  }

  // A read-only view of `nbytes_for(dtype, shape)` bytes at `data`, which `owner` keeps alive
  // (null when the caller guarantees the bytes outlive the tensor and its copies). `data` may
  // sit at any byte address (an ONNX exporter places initializers unaligned): bytes() gives it
  // as it is; typed reads (data_as, aligned_data) go through a once-made aligned copy.
  static Tensor view(DType dtype, Shape shape, const void* data,
                     std::shared_ptr<const void> owner) {
    Tensor t(dtype, Shape{}, 0);
    t.shape_ = std::move(shape);
    t.nbytes_ = nbytes_for(dtype, t.shape_);
    t.storage_ = std::move(owner);
    t.data_ = static_cast<std::byte*>(const_cast<void*>(data));
    t.view_ = true;
    if (reinterpret_cast<uintptr_t>(data) % 64) t.aligned_ = std::make_shared<AlignedCopy>();
    return t;
  }

  Tensor(const Tensor& o) : dtype_(o.dtype_), shape_(o.shape_) { copy_bytes_from(o); }
  Tensor& operator=(const Tensor& o) {
    if (this != &o) {
      dtype_ = o.dtype_;
      shape_ = o.shape_;
      copy_bytes_from(o);
    }
    return *this;
  }
  Tensor(Tensor&& o) noexcept { swap(o); }
  Tensor& operator=(Tensor&& o) noexcept {
    swap(o);
    return *this;
  }
  ~Tensor() = default;

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
  size_t nbytes() const { return nbytes_; }
  // True while the tensor refers to bytes it does not own (see view()).
  bool is_view() const { return view_; }
  // True when the bytes sit at a multiple of the element size (always, unless a view).
  bool is_aligned() const {
    return reinterpret_cast<uintptr_t>(data_) % std::max<size_t>(dtype_size(dtype_), 1) == 0;
  }
  void* data() {
    if (view_) own();
    return data_;
  }
  // The bytes where they lie, possibly unaligned for the dtype (a view): read them with memcpy,
  // or through aligned_data() / data_as().
  const std::byte* bytes() const { return data_; }
  // The bytes aligned to the element size, as kernels read them: where they lie when aligned
  // (always, unless a view), else a copy made once (shared by the view's copies, counted in
  // unaligned_view_copy_bytes).
  const void* aligned_data() const { return is_aligned() ? data_ : copy_once(); }
  // The bytes where they lie (as bytes()), for readers that copy them.
  const void* data() const { return data_; }
  template <typename T>
  T* data_as() {
    return reinterpret_cast<T*>(data());
  }
  template <typename T>
  const T* data_as() const {
    const bool fits = reinterpret_cast<uintptr_t>(data_) % alignof(T) == 0;
    return reinterpret_cast<const T*>(fits ? data_ : copy_once());
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
  // An unaligned view's aligned copy, made on the first typed read.
  struct AlignedCopy {
    std::once_flag once;
    std::shared_ptr<const void> copy;
    const std::byte* data = nullptr;
  };

  Tensor(DType dtype, Shape shape, size_t nbytes) : dtype_(dtype), shape_(std::move(shape)) {
    allocate(nbytes);
  }
  // A view off a 64-byte boundary copied once into aligned storage (only views get there:
  // owned storage is 64-byte aligned).
  const std::byte* copy_once() const {
    AlignedCopy& c = *aligned_;
    std::call_once(c.once, [&] {
      Tensor owned(dtype_, shape_);
      if (nbytes_) std::memcpy(owned.data_, data_, nbytes_);
      unaligned_view_copy_bytes() += nbytes_;
      c.copy = std::move(owned.storage_);
      c.data = owned.data_;
    });
    return c.data;
  }
  static size_t nbytes_for(DType dtype, const Shape& shape) {
    for (int64_t d : shape)
      if (d < 0) throw Error("Tensor: negative dimension in shape " + shape_str(shape));
    return static_cast<size_t>(num_elements(shape)) * dtype_size(dtype);
  }
  // 64-byte aligned, zeroed storage of at least one block, so data() is never null (also for
  // empty tensors) and kernels may use aligned vector loads.
  void allocate(size_t nbytes) {
    void* raw = std::calloc(std::max<size_t>(nbytes, 1) + 64, 1);
    if (!raw) throw Error("Tensor: out of memory allocating " + std::to_string(nbytes) + " bytes");
    storage_ = std::shared_ptr<const void>(raw, std::free);
    data_ = reinterpret_cast<std::byte*>((reinterpret_cast<uintptr_t>(raw) + 63) & ~uintptr_t{63});
    nbytes_ = nbytes;
    view_ = false;
    aligned_.reset();
  }
  void copy_bytes_from(const Tensor& o) {
    if (o.view_) {  // a view shares the bytes it refers to
      storage_ = o.storage_;
      data_ = o.data_;
      nbytes_ = o.nbytes_;
      view_ = true;
      aligned_ = o.aligned_;
      return;
    }
    allocate(o.nbytes_);
    if (o.nbytes_) std::memcpy(data_, o.data_, o.nbytes_);
  }
  // Turns a view into owned storage holding the same bytes.
  void own() {
    const std::byte* src = data_;
    std::shared_ptr<const void> keep = std::move(storage_);
    allocate(nbytes_);
    if (nbytes_) std::memcpy(data_, src, nbytes_);
  }
  void swap(Tensor& o) noexcept {
    std::swap(dtype_, o.dtype_);
    std::swap(shape_, o.shape_);
    std::swap(storage_, o.storage_);
    std::swap(data_, o.data_);
    std::swap(nbytes_, o.nbytes_);
    std::swap(view_, o.view_);
    std::swap(aligned_, o.aligned_);
  }

  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<const void> storage_;  // the owned block, or what keeps a view's bytes alive
  std::byte* data_ = nullptr;
  size_t nbytes_ = 0;
  bool view_ = false;
  std::shared_ptr<AlignedCopy> aligned_;  // views not 64-byte aligned only
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
