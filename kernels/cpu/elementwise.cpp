#include "kernels/cpu/elementwise.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

int64_t checked_numel(Dims shape, const char* context) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(std::string(context) + ": negative dimension in shape");
    n *= d;
  }
  return n;
}

// The IR verifies shapes, but a kernel must not read out of bounds on a bad call either.
void check_broadcasts_to(Dims shape, Dims out_shape, const char* context) {
  checked_numel(shape, context);
  if (shape.size() > out_shape.size())
    throw Error(std::string(context) + ": input rank exceeds output rank");
  const size_t offset = out_shape.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != out_shape[offset + i] && shape[i] != 1)
      throw Error(std::string(context) + ": input shape does not broadcast to output shape");
  }
}

// N inputs broadcast onto one contiguous output. The plan drops size-1 output dims and merges
// adjacent dims that every input walks contiguously (or broadcasts across), so same-shape and
// scalar cases collapse to one flat run and row/column broadcasts to few long runs.
template <size_t N>
struct WalkPlan {
  std::vector<int64_t> shape;
  std::array<std::vector<int64_t>, N> strides;
};

template <size_t N>
WalkPlan<N> plan_walk(const std::array<Dims, N>& inputs, Dims out_shape) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t t = 0; t < N; ++t) full[t] = broadcast_strides(inputs[t], out_shape);
  WalkPlan<N> plan;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    if (out_shape[d] == 1) continue;
    bool merge = !plan.shape.empty();
    for (size_t t = 0; t < N && merge; ++t)
      merge = plan.strides[t].back() == full[t][d] * out_shape[d];
    if (merge) {
      plan.shape.back() *= out_shape[d];
      for (size_t t = 0; t < N; ++t) plan.strides[t].back() = full[t][d];
    } else {
      plan.shape.push_back(out_shape[d]);
      for (size_t t = 0; t < N; ++t) plan.strides[t].push_back(full[t][d]);
    }
  }
  return plan;
}

// Calls run(offsets, inner_strides, out_offset, n) once per contiguous output run of length n.
template <size_t N, typename Run>
void walk(const std::array<Dims, N>& inputs, Dims out_shape, Run&& run) {
  const int64_t total = checked_numel(out_shape, "broadcast walk");
  if (total == 0) return;
  const WalkPlan<N> plan = plan_walk<N>(inputs, out_shape);
  std::array<int64_t, N> offsets{};
  std::array<int64_t, N> inner{};
  if (plan.shape.empty()) {
    run(offsets, inner, int64_t{0}, int64_t{1});
    return;
  }
  const size_t rank = plan.shape.size();
  const int64_t n = plan.shape[rank - 1];
  for (size_t t = 0; t < N; ++t) inner[t] = plan.strides[t][rank - 1];
  std::vector<int64_t> index(rank, 0);
  for (int64_t out_offset = 0; out_offset < total; out_offset += n) {
    run(offsets, inner, out_offset, n);
    // Odometer over the outer dims.
    for (size_t d = rank - 1; d-- > 0;) {
      for (size_t t = 0; t < N; ++t) offsets[t] += plan.strides[t][d];
      if (++index[d] < plan.shape[d]) break;
      for (size_t t = 0; t < N; ++t) offsets[t] -= plan.strides[t][d] * plan.shape[d];
      index[d] = 0;
    }
  }
}

// Binary map with broadcasting; the inner run has dedicated loops for the stride patterns
// that dominate in practice so the compiler can vectorize them.
template <typename T, typename U, typename Op>
void map_binary(const T* a, Dims a_shape, const T* b, Dims b_shape, U* out, Dims out_shape, Op op,
                const char* context) {
  check_broadcasts_to(a_shape, out_shape, context);
  check_broadcasts_to(b_shape, out_shape, context);
  walk<2>({a_shape, b_shape}, out_shape,
          [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t o,
              int64_t n) {
            const T* pa = a + off[0];
            const T* pb = b + off[1];
            U* po = out + o;
            if (st[0] == 1 && st[1] == 1) {
              for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
            } else if (st[0] == 1 && st[1] == 0) {
              const T vb = *pb;
              for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], vb);
            } else if (st[0] == 0 && st[1] == 1) {
              const T va = *pa;
              for (int64_t i = 0; i < n; ++i) po[i] = op(va, pb[i]);
            } else {
              for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i * st[0]], pb[i * st[1]]);
            }
          });
}

// Signed integer arithmetic wraps (two's complement) instead of being undefined on overflow.
template <typename T>
T wrap_add(T x, T y) {
  using W = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<W>(x) + static_cast<W>(y));
}
template <typename T>
T wrap_sub(T x, T y) {
  using W = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<W>(x) - static_cast<W>(y));
}
template <typename T>
T wrap_mul(T x, T y) {
  using W = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<W>(x) * static_cast<W>(y));
}

// Truncating division (C++ `/` already truncates toward zero); MIN / -1 wraps to MIN.
template <typename T>
T int_div(T x, T y) {
  if (y == -1) return wrap_sub(T{0}, x);
  return static_cast<T>(x / y);
}

// Exact integer power, the same result as multiplying `base` by itself `exp` times (wrapping
// on overflow), computed by square-and-multiply so huge exponents stay fast. A negative
// exponent gives the truncated value of 1 / base^|exp|: 0, except base 1 -> 1 and base -1 ->
// +-1 by parity. 0^0 = 1.
template <typename T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp % 2 == 0) ? 1 : -1;
    return 0;
  }
  T result = 1;
  T b = base;
  auto e = static_cast<std::make_unsigned_t<T>>(exp);
  while (e != 0) {
    if (e & 1u) result = wrap_mul(result, b);
    e >>= 1;
    if (e != 0) b = wrap_mul(b, b);
  }
  return result;
}

template <typename T>
void binary_float(BinaryOp op, const T* a, Dims as, const T* b, Dims bs, T* out, Dims os) {
  const char* ctx = "binary elementwise (float)";
  switch (op) {
    case BinaryOp::Add:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return x + y; }, ctx);
    case BinaryOp::Sub:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return x - y; }, ctx);
    case BinaryOp::Mul:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return x * y; }, ctx);
    case BinaryOp::Div:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return x / y; }, ctx);
    case BinaryOp::Pow:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return std::pow(x, y); }, ctx);
  }
  throw Error("binary elementwise: unknown op");
}

template <typename T>
void binary_int(BinaryOp op, const T* a, Dims as, const T* b, Dims bs, T* out, Dims os) {
  const char* ctx = "binary elementwise (integer)";
  switch (op) {
    case BinaryOp::Add:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return wrap_add(x, y); }, ctx);
    case BinaryOp::Sub:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return wrap_sub(x, y); }, ctx);
    case BinaryOp::Mul:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return wrap_mul(x, y); }, ctx);
    case BinaryOp::Div: {
      // The executor should have rejected a zero divisor; check again rather than trap.
      // Every divisor is used unless the output is empty.
      const int64_t nb = checked_numel(os, ctx) == 0 ? 0 : checked_numel(bs, ctx);
      for (int64_t i = 0; i < nb; ++i)
        if (b[i] == 0) throw Error("binary elementwise: integer division by zero");
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return int_div(x, y); }, ctx);
    }
    case BinaryOp::Pow:
      return map_binary(
          a, as, b, bs, out, os, [](T x, T y) { return int_pow(x, y); }, ctx);
  }
  throw Error("binary elementwise: unknown op");
}

// Copies elements of a fixed byte width; memcpy keeps it free of aliasing/alignment issues.
template <size_t Size>
void where_fixed(const uint8_t* cond, Dims cs, const uint8_t* x, Dims xs, const uint8_t* y, Dims ys,
                 uint8_t* out, Dims os) {
  walk<3>({cs, xs, ys}, os,
          [&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t o,
              int64_t n) {
            for (int64_t i = 0; i < n; ++i) {
              const bool c = cond[off[0] + i * st[0]] != 0;
              const uint8_t* src = c ? x + (off[1] + i * st[1]) * static_cast<int64_t>(Size)
                                     : y + (off[2] + i * st[2]) * static_cast<int64_t>(Size);
              std::memcpy(out + (o + i) * static_cast<int64_t>(Size), src, Size);
            }
          });
}

double sigmoid_d(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}

// Transcendentals are evaluated in double and rounded once, so this reference is accurate to
// about half an ulp of float.
float unary_one(UnaryOp op, float xf) {
  const double x = xf;
  switch (op) {
    case UnaryOp::Sqrt:
      return std::sqrt(xf);
    case UnaryOp::Exp:
      return static_cast<float>(std::exp(x));
    case UnaryOp::Erf:
      return static_cast<float>(std::erf(x));
    case UnaryOp::Tanh:
      return static_cast<float>(std::tanh(x));
    case UnaryOp::Neg:
      return -xf;
    case UnaryOp::Reciprocal:
      return 1.0f / xf;
    case UnaryOp::Relu:
      return xf < 0.0f ? 0.0f : xf;  // keeps NaN
    case UnaryOp::GeluErf:
      // 1 + erf(x/sqrt2) == erfc(-x/sqrt2), which does not cancel for negative x.
      return static_cast<float>(0.5 * x * std::erfc(-x / std::sqrt(2.0)));
    case UnaryOp::GeluTanh: {
      // 0.5 (1 + tanh u) == sigmoid(2u), again free of cancellation for negative x.
      const double u = std::sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x);
      return static_cast<float>(x * sigmoid_d(2.0 * u));
    }
    case UnaryOp::Silu:
      return static_cast<float>(x * sigmoid_d(x));
    case UnaryOp::Sigmoid:
      return static_cast<float>(sigmoid_d(x));
  }
  throw Error("unary elementwise: unknown op");
}

template <typename Op>
void map_unary(const float* x, float* y, int64_t n, Op op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

}  // namespace

template <typename T>
void binary(BinaryOp op, const T* a, Dims a_shape, const T* b, Dims b_shape, T* out,
            Dims out_shape) {
  if constexpr (std::is_floating_point_v<T>) {
    binary_float(op, a, a_shape, b, b_shape, out, out_shape);
  } else {
    binary_int(op, a, a_shape, b, b_shape, out, out_shape);
  }
}

template void binary<float>(BinaryOp, const float*, Dims, const float*, Dims, float*, Dims);
template void binary<int32_t>(BinaryOp, const int32_t*, Dims, const int32_t*, Dims, int32_t*, Dims);
template void binary<int64_t>(BinaryOp, const int64_t*, Dims, const int64_t*, Dims, int64_t*, Dims);

template <typename T>
void equal(const T* a, Dims a_shape, const T* b, Dims b_shape, uint8_t* out, Dims out_shape) {
  map_binary(
      a, a_shape, b, b_shape, out, out_shape,
      [](T x, T y) { return static_cast<uint8_t>(x == y ? 1 : 0); }, "equal");
}

template void equal<float>(const float*, Dims, const float*, Dims, uint8_t*, Dims);
template void equal<int32_t>(const int32_t*, Dims, const int32_t*, Dims, uint8_t*, Dims);
template void equal<int64_t>(const int64_t*, Dims, const int64_t*, Dims, uint8_t*, Dims);
template void equal<uint8_t>(const uint8_t*, Dims, const uint8_t*, Dims, uint8_t*, Dims);

void where(const uint8_t* cond, Dims cond_shape, const void* x, Dims x_shape, const void* y,
           Dims y_shape, void* out, Dims out_shape, size_t elem_size) {
  check_broadcasts_to(cond_shape, out_shape, "where");
  check_broadcasts_to(x_shape, out_shape, "where");
  check_broadcasts_to(y_shape, out_shape, "where");
  const auto* xb = static_cast<const uint8_t*>(x);
  const auto* yb = static_cast<const uint8_t*>(y);
  auto* ob = static_cast<uint8_t*>(out);
  switch (elem_size) {
    case 1:
      return where_fixed<1>(cond, cond_shape, xb, x_shape, yb, y_shape, ob, out_shape);
    case 2:
      return where_fixed<2>(cond, cond_shape, xb, x_shape, yb, y_shape, ob, out_shape);
    case 4:
      return where_fixed<4>(cond, cond_shape, xb, x_shape, yb, y_shape, ob, out_shape);
    case 8:
      return where_fixed<8>(cond, cond_shape, xb, x_shape, yb, y_shape, ob, out_shape);
    default:
      break;
  }
  if (elem_size == 0) throw Error("where: element size must be positive");
  const auto es = static_cast<int64_t>(elem_size);
  walk<3>({cond_shape, x_shape, y_shape}, out_shape,
          [&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t o,
              int64_t n) {
            for (int64_t i = 0; i < n; ++i) {
              const bool c = cond[off[0] + i * st[0]] != 0;
              const uint8_t* src =
                  c ? xb + (off[1] + i * st[1]) * es : yb + (off[2] + i * st[2]) * es;
              std::memcpy(ob + (o + i) * es, src, elem_size);
            }
          });
}

void unary(UnaryOp op, const float* x, float* y, int64_t n) {
  if (n < 0) throw Error("unary elementwise: negative element count");
  // Cheap ops get their own loops so they vectorize; the rest go through unary_one.
  switch (op) {
    case UnaryOp::Neg:
      return map_unary(x, y, n, [](float v) { return -v; });
    case UnaryOp::Relu:
      return map_unary(x, y, n, [](float v) { return v < 0.0f ? 0.0f : v; });
    case UnaryOp::Reciprocal:
      return map_unary(x, y, n, [](float v) { return 1.0f / v; });
    case UnaryOp::Sqrt:
      return map_unary(x, y, n, [](float v) { return std::sqrt(v); });
    default:
      return map_unary(x, y, n, [op](float v) { return unary_one(op, v); });
  }
}

template <typename T>
void negate(const T* x, T* y, int64_t n) {
  if (n < 0) throw Error("negate: negative element count");
  for (int64_t i = 0; i < n; ++i) y[i] = wrap_sub(T{0}, x[i]);
}

template void negate<int32_t>(const int32_t*, int32_t*, int64_t);
template void negate<int64_t>(const int64_t*, int64_t*, int64_t);

}  // namespace nuri::kernels
