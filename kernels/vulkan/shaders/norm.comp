#version 450
// LayerNorm (mode 0, with bias; mode 1, without) and RMSNorm (mode 2) over rows of `cols`:
// one 64-wide workgroup per row. LayerNorm takes the mean first and then the centred sum of
// squares, as the reference does, to avoid E[x^2] - E[x]^2 cancellation.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P { uint x_off, scale_off, bias_off, y_off, rows, cols, mode; float eps; } p;
shared float red[64];

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
  const uint row = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (row >= p.rows) return;  // uniform across the workgroup
  const uint t = gl_LocalInvocationID.x;
  const uint x0 = p.x_off + row * p.cols, y0 = p.y_off + row * p.cols;
  const float n = float(p.cols);
  float mean = 0.0;
  if (p.mode != 2) {
    float s = 0.0;
    for (uint j = t; j < p.cols; j += 64) s += f[x0 + j];
    mean = reduce_sum(s) / n;
  }
  float ss = 0.0;
  for (uint j = t; j < p.cols; j += 64) {
    const float d = f[x0 + j] - mean;
    ss += d * d;
  }
  const float inv = inversesqrt(reduce_sum(ss) / n + p.eps);
  for (uint j = t; j < p.cols; j += 64) {
    float v = (f[x0 + j] - mean) * inv * f[p.scale_off + j];
    if (p.mode == 0) v += f[p.bias_off + j];
    f[y0 + j] = v;
  }
}
