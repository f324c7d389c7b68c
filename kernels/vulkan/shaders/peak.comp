#version 450
// Peak f32 probe: four independent vec4 FMA chains per invocation, in registers, for
// `iterations` x 64 steps; the sum is stored so the work is not optimized away. Four: on a CPU
// driver a vec4 across 8 lanes is four vector registers, and 16 chains hide the FMA latency
// without spilling. 64 steps per loop trip: lavapipe's per-trip loop overhead otherwise
// dominates (16: 9-19 GFLOP/s, 1: 4-5, measured under load). FLOPs = invocations x
// iterations x 64 x 4 x 4 x 2.
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Arena { float f[]; };
layout(push_constant) uniform P {
  uint out_off, iterations;
} p;

void main() {
  const float seed = float(gl_GlobalInvocationID.x) * 1e-6;
  vec4 a[4];
  for (int j = 0; j < 4; ++j) a[j] = vec4(seed + j, seed - j, seed * j, seed + 0.5 * j);
  const vec4 m = vec4(0.999), c = vec4(1e-3);
  for (uint i = 0; i < p.iterations; ++i)
    for (int u = 0; u < 64; ++u)
      for (int j = 0; j < 4; ++j) a[j] = fma(a[j], m, c);
  vec4 s = vec4(0.0);
  for (int j = 0; j < 4; ++j) s += a[j];
  f[p.out_off + gl_GlobalInvocationID.x] = s.x + s.y + s.z + s.w;
}
