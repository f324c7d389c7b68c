#version 450
// Converts n elements between f32 (0), i32 (1) and bool bytes (2). Float -> int truncates
// toward zero; to bool is x != 0. Each invocation writes one whole output word (four bool
// bytes, or one 32-bit element), so no two invocations share a word.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P { uint in_off, out_off, n, from, to; } p;

float read_f(uint i) {
  if (p.from == 0) return uintBitsToFloat(u[p.in_off + i]);
  if (p.from == 1) return float(int(u[p.in_off + i]));
  return float((u[p.in_off + i / 4] >> (8 * (i % 4))) & 0xffu);
}

bool read_nonzero(uint i) {
  if (p.from == 0) return uintBitsToFloat(u[p.in_off + i]) != 0.0;
  if (p.from == 1) return u[p.in_off + i] != 0u;
  return ((u[p.in_off + i / 4] >> (8 * (i % 4))) & 0xffu) != 0u;
}

void main() {
  const uint per_word = p.to == 2 ? 4 : 1;
  const uint words = (p.n + per_word - 1) / per_word;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint w = gl_GlobalInvocationID.x; w < words; w += stride) {
    if (p.to == 2) {
      uint packed = 0;
      for (uint k = 0; k < 4 && 4 * w + k < p.n; ++k)
        if (read_nonzero(4 * w + k)) packed |= 1u << (8 * k);
      u[p.out_off + w] = packed;
    } else if (p.to == 1) {
      u[p.out_off + w] = p.from == 1 ? u[p.in_off + w] : uint(int(read_f(w)));
    } else {
      u[p.out_off + w] = floatBitsToUint(read_f(w));
    }
  }
}
