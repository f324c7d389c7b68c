// Tiled GEMM with local memory: C[b] = alpha * A[b] * B[b] + beta * bias, every operand read
// through (row, col, batch) strides so one kernel serves MatMul (batched, broadcast batch
// stride 0) and Gemm (transA/transB are swapped strides, bias broadcast by zero strides).
// A work-group of (GEMM_TN / GEMM_RN) x (GEMM_TM / GEMM_RM) work-items computes a
// GEMM_TM x GEMM_TN tile of C; each work-item holds a GEMM_RM x GEMM_RN block in registers.
// Columns of a work-item's block are GEMM_TN / GEMM_RN apart so neighbouring work-items touch
// neighbouring columns (coalesced on GPUs, vectorizable across work-items on CPUs).
#ifndef GEMM_TM
#define GEMM_TM 64
#endif
#ifndef GEMM_TN
#define GEMM_TN 64
#endif
#ifndef GEMM_TK
#define GEMM_TK 16
#endif
#define GEMM_RM 4
#define GEMM_RN 4
#define GEMM_LX (GEMM_TN / GEMM_RN)
#define GEMM_LY (GEMM_TM / GEMM_RM)
#define GEMM_THREADS (GEMM_LX * GEMM_LY)

__kernel __attribute__((reqd_work_group_size(GEMM_LX, GEMM_LY, 1))) void gemm_tiled(
    const __global float* a, const __global float* b, __global float* c,
    const __global float* bias, int m, int n, int k, int a_rs, int a_cs, int a_bs, int b_rs,
    int b_cs, int b_bs, int c_bs, int bias_rs, int bias_cs, float alpha, float beta,
    int has_bias) {
  const int tx = get_local_id(0), ty = get_local_id(1);
  const int lid = ty * GEMM_LX + tx;
  const int n0 = get_group_id(0) * GEMM_TN, m0 = get_group_id(1) * GEMM_TM;
  const int batch = get_group_id(2);
  a += batch * a_bs;
  b += batch * b_bs;
  c += batch * c_bs;
  __local float a_tile[GEMM_TK][GEMM_TM];
  __local float b_tile[GEMM_TK][GEMM_TN];
  float acc[GEMM_RM][GEMM_RN];
  for (int i = 0; i < GEMM_RM; ++i)
    for (int j = 0; j < GEMM_RN; ++j) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < k; k0 += GEMM_TK) {
    for (int l = lid; l < GEMM_TM * GEMM_TK; l += GEMM_THREADS) {
      const int mm = l / GEMM_TK, kk = l % GEMM_TK;
      const int gm = m0 + mm, gk = k0 + kk;
      a_tile[kk][mm] = (gm < m && gk < k) ? a[gm * a_rs + gk * a_cs] : 0.0f;
    }
    for (int l = lid; l < GEMM_TN * GEMM_TK; l += GEMM_THREADS) {
      const int kk = l / GEMM_TN, nn = l % GEMM_TN;
      const int gk = k0 + kk, gn = n0 + nn;
      b_tile[kk][nn] = (gk < k && gn < n) ? b[gk * b_rs + gn * b_cs] : 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < GEMM_TK; ++kk) {
      float av[GEMM_RM], bv[GEMM_RN];
      for (int i = 0; i < GEMM_RM; ++i) av[i] = a_tile[kk][ty * GEMM_RM + i];
      for (int j = 0; j < GEMM_RN; ++j) bv[j] = b_tile[kk][tx + j * GEMM_LX];
      for (int i = 0; i < GEMM_RM; ++i)
        for (int j = 0; j < GEMM_RN; ++j) acc[i][j] = mad(av[i], bv[j], acc[i][j]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }

  for (int i = 0; i < GEMM_RM; ++i) {
    const int gm = m0 + ty * GEMM_RM + i;
    if (gm >= m) continue;
    for (int j = 0; j < GEMM_RN; ++j) {
      const int gn = n0 + tx + j * GEMM_LX;
      if (gn >= n) continue;
      float v = alpha * acc[i][j];
      if (has_bias) v += beta * bias[gm * bias_rs + gn * bias_cs];
      c[gm * n + gn] = v;
    }
  }
}

// The variant for CPU drivers (PoCL): no local memory, since the caches already play its
// part, and no barriers, which make PoCL keep every work-item's accumulators in memory
// between work-item loops. Each work-item computes 4 rows x 16 columns of C in four float16
// registers (named, not an array, so they stay in vector registers) from float16 loads of B's
// rows (B row-major: column stride 1) and broadcast elements of A. Work-groups stack work-items
// along M so they share the B strip in cache.
__kernel void gemm_blocked(const __global float* a, const __global float* b, __global float* c,
                           const __global float* bias, int m, int n, int k, int a_rs, int a_cs,
                           int a_bs, int b_rs, int b_bs, int c_bs, int bias_rs, int bias_cs,
                           float alpha, float beta, int has_bias) {
  const int n0 = get_global_id(0) * 16, m0 = get_global_id(1) * 4;
  const int batch = get_global_id(2);
  if (n0 >= n || m0 >= m) return;
  a += batch * a_bs;
  b += batch * b_bs;
  c += batch * c_bs;
  const int rows = min(4, m - m0), cols = min(16, n - n0);
  // Rows past the edge re-read the last valid row (their results are not stored).
  const __global float* a0 = a + m0 * a_rs;
  const __global float* a1 = a + (m0 + min(1, rows - 1)) * a_rs;
  const __global float* a2 = a + (m0 + min(2, rows - 1)) * a_rs;
  const __global float* a3 = a + (m0 + min(3, rows - 1)) * a_rs;
  float16 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f;
  if (cols == 16) {
    for (int kk = 0; kk < k; ++kk) {
      const float16 bv = vload16(0, b + kk * b_rs + n0);
      const int ak = kk * a_cs;
      c0 = mad((float16)(a0[ak]), bv, c0);
      c1 = mad((float16)(a1[ak]), bv, c1);
      c2 = mad((float16)(a2[ak]), bv, c2);
      c3 = mad((float16)(a3[ak]), bv, c3);
    }
  } else {
    for (int kk = 0; kk < k; ++kk) {
      float bl[16];
      for (int j = 0; j < 16; ++j) bl[j] = j < cols ? b[kk * b_rs + n0 + j] : 0.0f;
      const float16 bv = vload16(0, bl);
      const int ak = kk * a_cs;
      c0 = mad((float16)(a0[ak]), bv, c0);
      c1 = mad((float16)(a1[ak]), bv, c1);
      c2 = mad((float16)(a2[ak]), bv, c2);
      c3 = mad((float16)(a3[ak]), bv, c3);
    }
  }
  float out[4][16];
  vstore16(c0 * alpha, 0, out[0]);
  vstore16(c1 * alpha, 0, out[1]);
  vstore16(c2 * alpha, 0, out[2]);
  vstore16(c3 * alpha, 0, out[3]);
  for (int i = 0; i < rows; ++i) {
    if (cols == 16 && !has_bias) {
      vstore16(vload16(0, out[i]), 0, c + (m0 + i) * n + n0);
      continue;
    }
    for (int j = 0; j < cols; ++j) {
      float v = out[i][j];
      if (has_bias) v += beta * bias[(m0 + i) * bias_rs + (n0 + j) * bias_cs];
      c[(m0 + i) * n + n0 + j] = v;
    }
  }
}
