#version 450
// out = (a == b) as bool bytes, with broadcasting over up to 6 dims. Operands are f32
// (is_float: 0.0 == -0.0, NaN != NaN) or 32-bit integers. Each invocation writes one whole
// output word (4 bytes), so no two invocations share a word.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P {
  uint a_off, b_off, o_off, n, is_float;
  uint dims[6];
  uint a_str[6];
  uint b_str[6];
} p;

void main() {
  const uint words = (p.n + 3) / 4;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint w = gl_GlobalInvocationID.x; w < words; w += stride) {
    uint packed = 0;
    for (uint k = 0; k < 4; ++k) {
      const uint i = 4 * w + k;
      if (i >= p.n) break;
      uint rem = i, ai = 0, bi = 0;
      for (int d = 5; d >= 0; --d) {
        const uint c = rem % p.dims[d];
        rem /= p.dims[d];
        ai += c * p.a_str[d];
        bi += c * p.b_str[d];
      }
      const uint a = u[p.a_off + ai], b = u[p.b_off + bi];
      const bool eq = p.is_float != 0 ? uintBitsToFloat(a) == uintBitsToFloat(b) : a == b;
      if (eq) packed |= 1u << (8 * k);
    }
    u[p.o_off + w] = packed;
  }
}
