#version 450
// Strided copy of 32-bit words, up to 6 dims: dst[dst_off + sum c_d * dst_str_d] =
// src[src_off + sum c_d * src_str_d]. Transpose, slice (negative steps too), expand,
// concat/split pieces and KV-cache appends are all this one kernel with different strides.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P {
  int src_off, dst_off;
  uint n;
  uint dims[6];
  int src_str[6];
  int dst_str[6];
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    uint rem = i;
    int si = p.src_off, di = p.dst_off;
    for (int d = 5; d >= 0; --d) {
      const int c = int(rem % p.dims[d]);
      rem /= p.dims[d];
      si += c * p.src_str[d];
      di += c * p.dst_str[d];
    }
    u[di] = u[si];
  }
}
