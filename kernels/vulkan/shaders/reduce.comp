#version 450
// Sum (op 0), mean (op 1) or max (op 2) over the middle extent of [outer, r, inner]: one
// 64-wide workgroup per (outer, inner) lane, tree-reduced in shared memory. The planner
// brings non-adjacent reduced axes together with a copy first.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P { uint x_off, y_off, outer, r, inner, op; } p;
shared float red[64];

void main() {
  const uint lane = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (lane >= p.outer * p.inner) return;  // uniform across the workgroup
  const uint t = gl_LocalInvocationID.x;
  const uint base = p.x_off + (lane / p.inner) * p.r * p.inner + lane % p.inner;
  const bool is_max = p.op == 2;
  float acc = is_max ? -1.0 / 0.0 : 0.0;
  for (uint j = t; j < p.r; j += 64) {
    const float v = f[base + j * p.inner];
    acc = is_max ? max(acc, v) : acc + v;
  }
  red[t] = acc;
  barrier();
  for (uint s = 32; s > 0; s >>= 1) {
    if (t < s) red[t] = is_max ? max(red[t], red[t + s]) : red[t] + red[t + s];
    barrier();
  }
  if (t == 0) f[p.y_off + lane] = p.op == 1 ? red[0] / float(p.r) : red[0];
}
