// Data movement on raw elements of 1, 2, 4 or 8 bytes: a strided copy over up to six dims
// (meta: dims[6], src strides[6], dst strides[6], in elements; padded with leading 1s) serves
// Transpose, Slice (negative steps are negative strides from a moved base), Expand (stride
// 0), Concat/Split (a sub-box of the output or input) and plain copies. Gather reads rows
// through an index tensor and flags an out-of-range index in `error` instead of reading it.
#define MV_RANK 6

#define STRIDED_COPY(NAME, T)                                                                \
  __kernel void NAME(const __global T* src, __global T* dst, __constant int* meta,          \
                     int src_base, int dst_base, int count) {                                \
    const int i = get_global_id(0);                                                          \
    if (i >= count) return;                                                                  \
    int rest = i, is = src_base, id = dst_base;                                              \
    for (int d = MV_RANK - 1; d >= 0; --d) {                                                 \
      const int coord = rest % meta[d];                                                      \
      rest /= meta[d];                                                                       \
      is += coord * meta[MV_RANK + d];                                                       \
      id += coord * meta[2 * MV_RANK + d];                                                   \
    }                                                                                        \
    dst[id] = src[is];                                                                       \
  }
STRIDED_COPY(strided_copy_1, uchar)
STRIDED_COPY(strided_copy_2, ushort)
STRIDED_COPY(strided_copy_4, uint)
STRIDED_COPY(strided_copy_8, ulong)

// out[o, j, in] = data[o, idx[j], in] for o < outer, j < count, in < inner; idx may be
// negative (counted from the end). Indices are i64 or i32 (idx_is_64).
#define GATHER(NAME, T)                                                                      \
  __kernel void NAME(const __global T* data, const __global void* indices, __global T* out,  \
                     __global int* error, int idx_is_64, int idx_count, int axis_len,        \
                     int inner, int total) {                                                 \
    const int i = get_global_id(0);                                                          \
    if (i >= total) return;                                                                  \
    const int in = i % inner, j = (i / inner) % idx_count, o = i / (inner * idx_count);     \
    long ix = idx_is_64 ? ((const __global long*)indices)[j]                                 \
                        : (long)((const __global int*)indices)[j];                           \
    if (ix < 0) ix += axis_len;                                                              \
    if (ix < 0 || ix >= axis_len) {                                                          \
      error[0] = 1;                                                                          \
      out[i] = 0;                                                                            \
      return;                                                                                \
    }                                                                                        \
    out[i] = data[((long)o * axis_len + ix) * inner + in];                                   \
  }
GATHER(gather_1, uchar)
GATHER(gather_2, ushort)
GATHER(gather_4, uint)
GATHER(gather_8, ulong)
