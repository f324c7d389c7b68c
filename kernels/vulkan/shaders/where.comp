#version 450
// out = cond ? x : y on 32-bit elements, the three operands broadcast by strides (0 on
// broadcast dims) over up to 6 output dims; cond is bool bytes.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P {
  uint c_off, x_off, y_off, o_off, n;
  uint dims[6];
  uint c_str[6];
  uint x_str[6];
  uint y_str[6];
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    uint rem = i, ci = 0, xi = 0, yi = 0;
    for (int d = 5; d >= 0; --d) {
      const uint c = rem % p.dims[d];
      rem /= p.dims[d];
      ci += c * p.c_str[d];
      xi += c * p.x_str[d];
      yi += c * p.y_str[d];
    }
    const bool take_x = ((u[p.c_off + ci / 4] >> (8 * (ci % 4))) & 0xffu) != 0;
    u[p.o_off + i] = take_x ? u[p.x_off + xi] : u[p.y_off + yi];
  }
}
