// Data movement kernels, dtype-agnostic (elements of `elem_size` bytes). Arguments are
// already normalized (axes in range, non-negative starts); the IR checks user input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/cpu/broadcast.h"
#include "nuri/types.h"

namespace nuri::kernels {

// out[perm-permuted index] : out.shape[i] = shape[perm[i]].
void transpose(const void* src, Dims shape, Dims perm, void* dst, size_t elem_size);

// Concatenates inputs along `axis`; all shapes agree except on `axis`.
void concat(std::span<const void* const> srcs, std::span<const Dims> shapes, int64_t axis,
            void* dst, size_t elem_size);

// Splits src along `axis` into pieces of `sizes` (sum = shape[axis]).
void split(const void* src, Dims shape, int64_t axis, Dims sizes, std::span<void* const> dsts,
           size_t elem_size);

// out[i] = src[starts + i * steps] per dim (steps may be negative; out_shape already computed).
void slice(const void* src, Dims shape, Dims starts, Dims steps, void* dst, Dims out_shape,
           size_t elem_size);

// ONNX Gather: out.shape = data.shape[:axis] + indices_shape + data.shape[axis+1:].
// Indices are int64 (callers widen int32) and may be negative (counted from the end);
// returns false, writing nothing further, if an index is out of range.
bool gather(const void* data, Dims data_shape, int64_t axis, const int64_t* indices,
            int64_t num_indices, void* dst, size_t elem_size);

// Broadcasts src to out_shape (numpy rules, src rank <= out rank).
void expand(const void* src, Dims src_shape, void* dst, Dims out_shape, size_t elem_size);

// Converts n elements between any two dtypes. Float -> int truncates toward zero (as C and
// ONNX); to bool is x != 0; f16/bf16 round to nearest even.
void cast(const void* src, nuri_dtype from, void* dst, nuri_dtype to, int64_t n);

}  // namespace nuri::kernels
