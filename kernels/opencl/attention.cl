// Scaled-dot-product attention, one work-group per query row (batch, q head, position), with
// grouped-query heads, causal and bool/additive masks (broadcast through four strides). The
// row's scores go to `scores` (rows x kv_len, global scratch), so kv_len is unbounded.
// Uses group_sum/group_max and NORM_WG from normalize.cl (the sources form one program).
// q [B, Hq, S, D], k [B, Hkv, T, D], v [B, Hkv, T, Dv], out [B, Hq, S, Dv]; queries are the
// last S of T positions. A row with every key masked yields zeros, as in the reference.
enum MaskKind { MASK_NONE = 0, MASK_ADDITIVE = 1, MASK_BOOL = 2 };

__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1))) void attention_f32(
    const __global float* q, const __global float* k, const __global float* v,
    const __global float* additive, const __global uchar* allowed, __global float* out,
    __global float* scores, int q_heads, int kv_heads, int q_len, int kv_len, int head_dim,
    int v_head_dim, float scale, int causal, int mask_kind, int ms0, int ms1, int ms2, int ms3) {
  __local float scratch[NORM_WG];
  const int row = get_group_id(0), lid = get_local_id(0);
  const int i = row % q_len, h = (row / q_len) % q_heads, b = row / (q_len * q_heads);
  const int kvh = h / (q_heads / kv_heads);
  const __global float* qi = q + row * head_dim;
  const __global float* kh = k + (b * kv_heads + kvh) * kv_len * head_dim;
  const __global float* vh = v + (b * kv_heads + kvh) * kv_len * v_head_dim;
  __global float* s = scores + row * kv_len;
  const int visible = causal ? clamp(kv_len - q_len + i + 1, 0, kv_len) : kv_len;
  const int mask_row = b * ms0 + h * ms1 + i * ms2;

  float mx = -INFINITY;
  for (int j = lid; j < visible; j += NORM_WG) {
    float sc = -INFINITY;
    if (mask_kind != MASK_BOOL || allowed[mask_row + j * ms3]) {
      const __global float* kj = kh + j * head_dim;
      float dot = 0.0f;
      for (int d = 0; d < head_dim; ++d) dot = mad(qi[d], kj[d], dot);
      sc = dot * scale;
      if (mask_kind == MASK_ADDITIVE) sc += additive[mask_row + j * ms3];
    }
    s[j] = sc;
    mx = fmax(mx, sc);
  }
  mx = group_max(mx, scratch);
  // Every key masked: zeros rather than 0/0. No early return: PoCL wants every work-item to
  // reach the barriers below.
  const bool none = mx == -INFINITY;
  float sum = 0.0f;
  for (int j = lid; j < visible; j += NORM_WG) {
    const float w = (none || s[j] == -INFINITY) ? 0.0f : exp(s[j] - mx);
    s[j] = w;
    sum += w;
  }
  sum = group_sum(sum, scratch);  // its barriers also make every s[j] visible to the group
  const float inv = none ? 0.0f : 1.0f / sum;
  __global float* oi = out + row * v_head_dim;
  for (int d = lid; d < v_head_dim; d += NORM_WG) {
    float acc = 0.0f;
    for (int j = 0; j < visible; ++j) acc = mad(s[j], vh[j * v_head_dim + d], acc);
    oi[d] = acc * inv;
  }
}
