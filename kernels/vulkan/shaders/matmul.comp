#version 450
// Batched tiled GEMM on the arena: C[z] = alpha * A[z] B[z] + beta * bias. Each 16x16
// workgroup computes a 64x64 tile of C, each invocation a 4x4 block held in registers;
// A and B panels of depth 16 are staged in shared memory. Strides (in elements) express
// transposes and broadcast batch dims (stride 0), so MatMul and Gemm share this kernel.
layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P {
  uint a_off, b_off, c_off, bias_off;
  uint M, N, K;
  uint a_rs, a_cs, b_rs, b_cs, bias_rs, bias_cs;
  uint nb1, nb2;                 // batch = z split as (z / (nb1*nb2), z / nb2 % nb1, z % nb2)
  uint a_bs0, a_bs1, a_bs2, b_bs0, b_bs1, b_bs2;
  float alpha, beta;
  uint has_bias;
} p;

const uint TILE = 64, DEPTH = 16;
shared float As[DEPTH][TILE + 1];
shared float Bs[DEPTH][TILE + 1];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16 + tx;
  const uint z = gl_WorkGroupID.z;
  const uint z0 = z / (p.nb1 * p.nb2), z1 = (z / p.nb2) % p.nb1, z2 = z % p.nb2;
  const uint a_base = p.a_off + z0 * p.a_bs0 + z1 * p.a_bs1 + z2 * p.a_bs2;
  const uint b_base = p.b_off + z0 * p.b_bs0 + z1 * p.b_bs1 + z2 * p.b_bs2;
  const uint row0 = gl_WorkGroupID.y * TILE, col0 = gl_WorkGroupID.x * TILE;
  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0;
  for (uint k0 = 0; k0 < p.K; k0 += DEPTH) {
    // 256 invocations load 64x16 of A and 16x64 of B: 4 elements each.
    for (uint e = tid; e < TILE * DEPTH; e += 256) {
      const uint r = e / DEPTH, kk = e % DEPTH;
      const uint gr = row0 + r, gk = k0 + kk;
      As[kk][r] = (gr < p.M && gk < p.K) ? f[a_base + gr * p.a_rs + gk * p.a_cs] : 0.0;
      const uint kb = e / TILE, c = e % TILE;
      const uint gkb = k0 + kb, gc = col0 + c;
      Bs[kb][c] = (gkb < p.K && gc < p.N) ? f[b_base + gkb * p.b_rs + gc * p.b_cs] : 0.0;
    }
    barrier();
    for (uint kk = 0; kk < DEPTH; ++kk) {
      float a[4], b[4];
      for (int i = 0; i < 4; ++i) a[i] = As[kk][ty + 16 * i];
      for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tx + 16 * j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
    barrier();
  }
  const uint c_base = p.c_off + z * p.M * p.N;
  for (int i = 0; i < 4; ++i) {
    const uint r = row0 + ty + 16 * i;
    if (r >= p.M) continue;
    for (int j = 0; j < 4; ++j) {
      const uint c = col0 + tx + 16 * j;
      if (c >= p.N) continue;
      float v = p.alpha * acc[i][j];
      if (p.has_bias != 0) v += p.beta * f[p.bias_off + r * p.bias_rs + c * p.bias_cs];
      f[c_base + r * p.N + c] = v;
    }
  }
}
