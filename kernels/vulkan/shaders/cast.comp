#version 450
// Converts n elements between f32 (0), i32 (1), bool bytes (2), f16 (3) and bf16 (4).
// Float -> int truncates toward zero; to bool is x != 0; to f16/bf16 rounds to nearest even.
// Each invocation writes one whole output word (four bools, two halves, or one 32-bit
// element), so no two invocations share a word.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P { uint in_off, out_off, n, from, to; } p;

uint half_bits(uint i) {
  return (u[p.in_off + i / 2] >> (16 * (i % 2))) & 0xffffu;
}

float read_f(uint i) {
  switch (p.from) {
    case 0: return uintBitsToFloat(u[p.in_off + i]);
    case 1: return float(int(u[p.in_off + i]));
    case 2: return float((u[p.in_off + i / 4] >> (8 * (i % 4))) & 0xffu);
    case 3: return unpackHalf2x16(half_bits(i)).x;
    default: return uintBitsToFloat(half_bits(i) << 16);
  }
}

bool read_nonzero(uint i) {
  if (p.from == 1) return u[p.in_off + i] != 0u;
  if (p.from == 2) return ((u[p.in_off + i / 4] >> (8 * (i % 4))) & 0xffu) != 0u;
  return read_f(i) != 0.0;
}

// f32 -> f16 with round-to-nearest-even (packHalf2x16 leaves rounding to the driver).
uint to_f16(float v) {
  const uint x = floatBitsToUint(v);
  const uint sign = (x >> 16) & 0x8000u;
  const uint mag = x & 0x7fffffffu;
  if (mag >= 0x7f800000u) return sign | (mag > 0x7f800000u ? 0x7e00u : 0x7c00u);  // NaN, inf
  if (mag >= 0x477ff000u) return sign | 0x7c00u;  // rounds past the largest finite half
  if (mag < 0x38800000u) {  // subnormal half (or zero): scale by 2^24 and round
    const float scaled = uintBitsToFloat(mag) * 16777216.0;
    return sign | uint(roundEven(scaled));
  }
  const uint rounded = mag + 0xfffu + ((mag >> 13) & 1u);
  return sign | ((rounded - 0x38000000u) >> 13);
}

// f32 -> bf16 with round-to-nearest-even; NaN stays NaN.
uint to_bf16(float v) {
  const uint x = floatBitsToUint(v);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (x >> 16) | 0x40u;
  return (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;
}

uint convert_to_half(uint i) {
  if (p.from == p.to) return half_bits(i);
  const float v = read_f(i);
  return p.to == 3 ? to_f16(v) : to_bf16(v);
}

void main() {
  const uint per_word = p.to == 2 ? 4 : (p.to >= 3 ? 2 : 1);
  const uint words = (p.n + per_word - 1) / per_word;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint w = gl_GlobalInvocationID.x; w < words; w += stride) {
    if (p.to == 2) {
      uint packed = 0;
      for (uint k = 0; k < 4 && 4 * w + k < p.n; ++k)
        if (read_nonzero(4 * w + k)) packed |= 1u << (8 * k);
      u[p.out_off + w] = packed;
    } else if (p.to >= 3) {
      uint packed = convert_to_half(2 * w);
      if (2 * w + 1 < p.n) packed |= convert_to_half(2 * w + 1) << 16;
      u[p.out_off + w] = packed;
    } else if (p.to == 1) {
      u[p.out_off + w] = p.from == 1 ? u[p.in_off + w] : uint(int(read_f(w)));
    } else {
      u[p.out_off + w] = floatBitsToUint(read_f(w));
    }
  }
}
