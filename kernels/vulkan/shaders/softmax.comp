#version 450
// Softmax over the middle extent of [rows, cols, inner]: one 64-wide workgroup per
// (row, inner) lane; max and sum are tree-reduced in shared memory.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P { uint x_off, y_off, rows, cols, inner; } p;
shared float red[64];

float reduce_max(float v) {
  const uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier();
  for (uint s = 32; s > 0; s >>= 1) {
    if (t < s) red[t] = max(red[t], red[t + s]);
    barrier();
  }
  const float r = red[0];
  barrier();
  return r;
}

float reduce_sum(float v) {
  const uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier();
  for (uint s = 32; s > 0; s >>= 1) {
    if (t < s) red[t] += red[t + s];
    barrier();
  }
  const float r = red[0];
  barrier();
  return r;
}

void main() {
  const uint lane = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (lane >= p.rows * p.inner) return;  // uniform across the workgroup
  const uint t = gl_LocalInvocationID.x;
  const uint base = (lane / p.inner) * p.cols * p.inner + lane % p.inner;
  float m = -1.0 / 0.0;
  for (uint j = t; j < p.cols; j += 64) m = max(m, f[p.x_off + base + j * p.inner]);
  m = reduce_max(m);
  float s = 0.0;
  for (uint j = t; j < p.cols; j += 64) s += exp(f[p.x_off + base + j * p.inner] - m);
  s = reduce_sum(s);
  const float inv = 1.0 / s;
  for (uint j = t; j < p.cols; j += 64)
    f[p.y_off + base + j * p.inner] = exp(f[p.x_off + base + j * p.inner] - m) * inv;
}
