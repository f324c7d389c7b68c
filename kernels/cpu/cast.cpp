// dtype conversion (declared in layout.h). Every source value is read exactly into a double
// (f32/f16/bf16) or an int64 (integers, bool) and converted once, so each cast rounds once.
//
// Defined results where C++ would have undefined behaviour:
//  - float -> int: NaN gives 0; values outside the target range saturate to its min / max
//    (after truncation toward zero).
//  - int -> narrower int: wraps modulo 2^bits (two's complement), as ONNX Runtime and numpy.
//  - bool is stored as one byte; any nonzero byte reads as true, and true is written as 1.
//  - Same dtype on both sides is a plain bit copy.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "kernels/cpu/half.h"
#include "kernels/cpu/layout.h"
#include "nuri/error.hpp"

namespace nuri::kernels {

namespace {

// Rounds an integer to 24 significant bits with round-to-odd. The result is exact in f32
// and, having two more bits than f16/bf16 keep, rounds to them exactly like the integer would.
float int_to_f32_round_odd(int64_t v) {
  const bool negative = v < 0;
  uint64_t mag = negative ? ~static_cast<uint64_t>(v) + 1u : static_cast<uint64_t>(v);
  int shift = 0;
  if (mag >= (uint64_t{1} << 24)) {
    shift = std::bit_width(mag) - 24;
    const bool sticky = (mag & ((uint64_t{1} << shift) - 1u)) != 0;
    mag = (mag >> shift) | (sticky ? 1u : 0u);
  }
  const float r = std::ldexp(static_cast<float>(mag), shift);
  return negative ? -r : r;
}

template <typename I>
I float_to_int(double x) {
  if (std::isnan(x)) return 0;
  const double t = std::trunc(x);
  // Both bounds are zero or (minus) a power of two, so they are exact doubles (max + 1 is
  // 2^bits or 2^(bits-1); for int64 the conversion of max already rounds up to 2^63).
  constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
  constexpr double hi_excl = static_cast<double>(std::numeric_limits<I>::max()) + 1.0;
  if (t <= lo) return std::numeric_limits<I>::min();
  if (t >= hi_excl) return std::numeric_limits<I>::max();
  return static_cast<I>(t);
}

// One tag per dtype: storage type, how to read a value, how to write from double / int64.
struct F32 {
  using T = float;
  static constexpr bool kFloat = true;
  static double load_f(T v) { return v; }
  static int64_t load_i(T) { return 0; }
  static T from_f(double d) { return static_cast<float>(d); }
  static T from_i(int64_t i) { return static_cast<float>(i); }
};
struct F16 {
  using T = uint16_t;
  static constexpr bool kFloat = true;
  static double load_f(T v) { return f16_to_f32(v); }
  static int64_t load_i(T) { return 0; }
  static T from_f(double d) { return f32_to_f16(static_cast<float>(d)); }
  static T from_i(int64_t i) { return f32_to_f16(int_to_f32_round_odd(i)); }
};
struct BF16 {
  using T = uint16_t;
  static constexpr bool kFloat = true;
  static double load_f(T v) { return bf16_to_f32(v); }
  static int64_t load_i(T) { return 0; }
  static T from_f(double d) { return f32_to_bf16(static_cast<float>(d)); }
  static T from_i(int64_t i) { return f32_to_bf16(int_to_f32_round_odd(i)); }
};
template <typename I>
struct Int {
  using T = I;
  static constexpr bool kFloat = false;
  static double load_f(T) { return 0; }
  static int64_t load_i(T v) { return v; }
  static T from_f(double d) { return float_to_int<I>(d); }
  static T from_i(int64_t i) { return static_cast<I>(i); }  // modular since C++20
};
struct Bool {
  using T = uint8_t;
  static constexpr bool kFloat = false;
  static double load_f(T) { return 0; }
  static int64_t load_i(T v) { return v != 0 ? 1 : 0; }
  static T from_f(double d) { return d != 0 ? 1 : 0; }  // NaN != 0: true, as in C
  static T from_i(int64_t i) { return i != 0 ? 1 : 0; }
};

template <typename From, typename To>
void cast_loop(const void* src, void* dst, int64_t n) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    typename From::T in;
    std::memcpy(&in, s + i * static_cast<int64_t>(sizeof in), sizeof in);
    typename To::T out;
    if constexpr (From::kFloat)
      out = To::from_f(From::load_f(in));
    else
      out = To::from_i(From::load_i(in));
    std::memcpy(d + i * static_cast<int64_t>(sizeof out), &out, sizeof out);
  }
}

[[noreturn]] void bad_dtype(nuri_dtype t) {
  throw Error("cast: unknown dtype " + std::to_string(static_cast<int>(t)));
}

template <typename From>
void cast_from(const void* src, void* dst, nuri_dtype to, int64_t n) {
  switch (to) {
    case NURI_DTYPE_F32:
      return cast_loop<From, F32>(src, dst, n);
    case NURI_DTYPE_F16:
      return cast_loop<From, F16>(src, dst, n);
    case NURI_DTYPE_BF16:
      return cast_loop<From, BF16>(src, dst, n);
    case NURI_DTYPE_I8:
      return cast_loop<From, Int<int8_t>>(src, dst, n);
    case NURI_DTYPE_I32:
      return cast_loop<From, Int<int32_t>>(src, dst, n);
    case NURI_DTYPE_I64:
      return cast_loop<From, Int<int64_t>>(src, dst, n);
    case NURI_DTYPE_BOOL:
      return cast_loop<From, Bool>(src, dst, n);
    case NURI_DTYPE_U8:
      return cast_loop<From, Int<uint8_t>>(src, dst, n);
    case NURI_DTYPE_COUNT_:
      break;
  }
  bad_dtype(to);
}

size_t dtype_bytes(nuri_dtype t) {
  switch (t) {
    case NURI_DTYPE_F32:
      return 4;
    case NURI_DTYPE_F16:
      return 2;
    case NURI_DTYPE_BF16:
      return 2;
    case NURI_DTYPE_I8:
      return 1;
    case NURI_DTYPE_I32:
      return 4;
    case NURI_DTYPE_I64:
      return 8;
    case NURI_DTYPE_BOOL:
      return 1;
    case NURI_DTYPE_U8:
      return 1;
    case NURI_DTYPE_COUNT_:
      break;
  }
  bad_dtype(t);
}

}  // namespace

void cast(const void* src, nuri_dtype from, void* dst, nuri_dtype to, int64_t n) {
  if (n < 0) throw Error("cast: negative element count " + std::to_string(n));
  if (from == to) {
    // Same dtype: a bit copy (keeps NaN payloads; bool bytes as they are).
    std::memcpy(dst, src, static_cast<size_t>(n) * dtype_bytes(from));
    return;
  }
  switch (from) {
    case NURI_DTYPE_F32:
      return cast_from<F32>(src, dst, to, n);
    case NURI_DTYPE_F16:
      return cast_from<F16>(src, dst, to, n);
    case NURI_DTYPE_BF16:
      return cast_from<BF16>(src, dst, to, n);
    case NURI_DTYPE_I8:
      return cast_from<Int<int8_t>>(src, dst, to, n);
    case NURI_DTYPE_I32:
      return cast_from<Int<int32_t>>(src, dst, to, n);
    case NURI_DTYPE_I64:
      return cast_from<Int<int64_t>>(src, dst, to, n);
    case NURI_DTYPE_BOOL:
      return cast_from<Bool>(src, dst, to, n);
    case NURI_DTYPE_U8:
      return cast_from<Int<uint8_t>>(src, dst, to, n);
    case NURI_DTYPE_COUNT_:
      break;
  }
  bad_dtype(from);
}

}  // namespace nuri::kernels
