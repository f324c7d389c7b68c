// Row-wise reductions with one work-group per row and a tree reduction in local memory:
// softmax over an axis (rows of `axis_len` elements `inner` apart), LayerNorm and RMSNorm over
// the last `cols` elements. The work-group size is NORM_WG (a power of two).
#ifndef NORM_WG
#define NORM_WG 64
#endif

float group_sum(float v, __local float* scratch) {
  const int lid = get_local_id(0);
  scratch[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = NORM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) scratch[lid] += scratch[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float r = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

float group_max(float v, __local float* scratch) {
  const int lid = get_local_id(0);
  scratch[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = NORM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) {
      const float o = scratch[lid + s];
      // NaN must win so it reaches the output, as in the reference.
      if (o > scratch[lid] || isnan(o)) scratch[lid] = o;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float r = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

// Row r = (outer o, inner i): elements x[o * axis_len * inner + a * inner + i].
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1))) void softmax_f32(
    const __global float* x, __global float* y, int axis_len, int inner) {
  __local float scratch[NORM_WG];
  const int r = get_group_id(0), lid = get_local_id(0);
  const int base = (r / inner) * axis_len * inner + r % inner;
  float mx = -INFINITY;
  for (int a = lid; a < axis_len; a += NORM_WG) {
    const float v = x[base + a * inner];
    if (v > mx || isnan(v)) mx = v;
  }
  mx = group_max(mx, scratch);
  float sum = 0.0f;
  for (int a = lid; a < axis_len; a += NORM_WG) sum += exp(x[base + a * inner] - mx);
  sum = group_sum(sum, scratch);
  const float inv = 1.0f / sum;
  for (int a = lid; a < axis_len; a += NORM_WG) y[base + a * inner] = exp(x[base + a * inner] - mx) * inv;
}

// Two passes (mean, then centered squares) so |mean| >> stddev does not cancel.
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1))) void layer_norm_f32(
    const __global float* x, const __global float* scale, const __global float* bias,
    __global float* y, int cols, float eps, int has_bias) {
  __local float scratch[NORM_WG];
  const int r = get_group_id(0), lid = get_local_id(0);
  const __global float* xr = x + r * cols;
  __global float* yr = y + r * cols;
  float s = 0.0f;
  for (int j = lid; j < cols; j += NORM_WG) s += xr[j];
  const float mean = group_sum(s, scratch) / cols;
  float ss = 0.0f;
  for (int j = lid; j < cols; j += NORM_WG) {
    const float d = xr[j] - mean;
    ss += d * d;
  }
  const float inv_std = rsqrt(group_sum(ss, scratch) / cols + eps);
  for (int j = lid; j < cols; j += NORM_WG) {
    float v = (xr[j] - mean) * inv_std * scale[j];
    if (has_bias) v += bias[j];
    yr[j] = v;
  }
}

__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1))) void rms_norm_f32(
    const __global float* x, const __global float* scale, __global float* y, int cols,
    float eps) {
  __local float scratch[NORM_WG];
  const int r = get_group_id(0), lid = get_local_id(0);
  const __global float* xr = x + r * cols;
  __global float* yr = y + r * cols;
  float ss = 0.0f;
  for (int j = lid; j < cols; j += NORM_WG) ss += xr[j] * xr[j];
  const float inv_rms = rsqrt(group_sum(ss, scratch) / cols + eps);
  for (int j = lid; j < cols; j += NORM_WG) yr[j] = xr[j] * inv_rms * scale[j];
}
