#version 450
// Register-blocked GEMM for CPU drivers (lavapipe): C[z] = alpha * A[z] B[z] + beta * bias
// with A and B row-major (unit column stride) and K, N, row and batch strides multiples of 4.
// llvmpipe runs SIMD lanes across invocations and loads a lane-varying address with a scalar
// loop over the lanes, per load instruction, shared memory included. So: no shared memory and
// no barriers (which would make each subgroup a coroutine), vec4 loads (four floats per lane
// iteration), and each invocation computes R rows x 4*CV columns from R + 4*CV vec4 loads per
// four steps of K.
layout(local_size_x = 8, local_size_y = 8) in;
layout(binding = 1) uniform samplerBuffer arena4;  // the arena as vec4 texels
layout(std430, binding = 0) writeonly buffer ArenaF { float f[]; };
layout(std430, binding = 0) readonly buffer ArenaR { float fr[]; };
layout(push_constant) uniform P {
  uint a_off, b_off, c_off, bias_off;
  uint M, N, K;
  uint a_rs, a_cs, b_rs, b_cs, bias_rs, bias_cs;
  uint nb1, nb2;  // batch = z split as (z / (nb1*nb2), z / nb2 % nb1, z % nb2)
  uint a_bs0, a_bs1, a_bs2, b_bs0, b_bs1, b_bs2;
  float alpha, beta;
  uint has_bias;
} p;

const uint R = 4, CV = 4;  // rows, vec4 columns per invocation

void main() {
  const uint nv = p.N / 4;
  const uint cv0 = gl_GlobalInvocationID.x * CV, r0 = gl_GlobalInvocationID.y * R;
  if (cv0 >= nv || r0 >= p.M) return;
  const uint z = gl_WorkGroupID.z;
  const uint z0 = z / (p.nb1 * p.nb2), z1 = (z / p.nb2) % p.nb1, z2 = z % p.nb2;
  const uint a_base = p.a_off + z0 * p.a_bs0 + z1 * p.a_bs1 + z2 * p.a_bs2;
  const uint b_base = p.b_off + z0 * p.b_bs0 + z1 * p.b_bs1 + z2 * p.b_bs2;
  // Rows and columns past the edge read the last valid one; their results are not stored.
  uint a_at[R], b_at[CV];
  for (uint i = 0; i < R; ++i) a_at[i] = (a_base + min(r0 + i, p.M - 1) * p.a_rs) / 4;
  for (uint j = 0; j < CV; ++j) b_at[j] = b_base / 4 + min(cv0 + j, nv - 1);
  const uint b_step = p.b_rs / 4;
  vec4 acc[R][CV];
  for (uint i = 0; i < R; ++i)
    for (uint j = 0; j < CV; ++j) acc[i][j] = vec4(0.0);
  for (uint k4 = 0; k4 < p.K / 4; ++k4) {
    vec4 a[R];
    for (uint i = 0; i < R; ++i) a[i] = texelFetch(arena4, int(a_at[i] + k4));
    for (uint kk = 0; kk < 4; ++kk) {
      const uint row = (4 * k4 + kk) * b_step;
      vec4 b[CV];
      for (uint j = 0; j < CV; ++j) b[j] = texelFetch(arena4, int(b_at[j] + row));
      for (uint i = 0; i < R; ++i)
        for (uint j = 0; j < CV; ++j) acc[i][j] = fma(vec4(a[i][kk]), b[j], acc[i][j]);
    }
  }
  const uint c_base = p.c_off + z * p.M * p.N;
  for (uint i = 0; i < R; ++i) {
    const uint r = r0 + i;
    if (r >= p.M) break;
    for (uint j = 0; j < CV; ++j) {
      const uint cv = cv0 + j;
      if (cv >= nv) break;
      for (uint e = 0; e < 4; ++e) {
        const uint c = 4 * cv + e;
        float out_v = p.alpha * acc[i][j][e];
        if (p.has_bias != 0) out_v += p.beta * fr[p.bias_off + r * p.bias_rs + c * p.bias_cs];
        f[c_base + r * p.N + c] = out_v;
      }
    }
  }
}
