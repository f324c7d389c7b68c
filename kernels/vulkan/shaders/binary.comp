#version 450
// Elementwise binary op with numpy broadcasting: the output index is split into up to 6
// dims and each operand is read through its own strides (0 on broadcast dims).
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P {
  uint a_off, b_off, c_off, n, op;
  uint dims[6];
  uint a_str[6];
  uint b_str[6];
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    uint rem = i, ai = 0, bi = 0;
    for (int d = 5; d >= 0; --d) {
      const uint c = rem % p.dims[d];
      rem /= p.dims[d];
      ai += c * p.a_str[d];
      bi += c * p.b_str[d];
    }
    const float a = f[p.a_off + ai], b = f[p.b_off + bi];
    float r;
    switch (p.op) {
      case 0: r = a + b; break;
      case 1: r = a - b; break;
      case 2: r = a * b; break;
      case 3: r = a / b; break;
      default: r = pow(a, b); break;
    }
    f[p.c_off + i] = r;
  }
}
