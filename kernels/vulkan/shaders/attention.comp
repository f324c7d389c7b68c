#version 450
// Fused scaled-dot-product attention, one 64-wide workgroup per query row (b, head, i):
// scores for all T keys go to shared memory, then max, exp-sum and the weighted sum of V.
// Grouped-query: head h reads kv head h / (Hq / Hkv). Query i sits at position T - S + i;
// causal hides later keys. A mask (additive f32, or bool bytes) broadcasts by strides.
// A row with every key masked yields zeros, as the reference does.
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(std430, binding = 0) buffer ArenaU { uint u[]; };
layout(push_constant) uniform P {
  uint q_off, k_off, v_off, mask_off, o_off;
  uint B, Hq, Hkv, S, T, D, Dv;
  uint causal, mask_kind;  // mask_kind: 0 none, 1 additive, 2 bool
  float scale;
  uint mstr[4];
} p;

const uint MAX_T = 2048, MAX_D = 256;
shared float scores[MAX_T];
shared float qrow[MAX_D];
shared float red[64];

float reduce(float v, bool is_max) {
  const uint t = gl_LocalInvocationID.x;
  red[t] = v;
  barrier();
  for (uint s = 32; s > 0; s >>= 1) {
    if (t < s) red[t] = is_max ? max(red[t], red[t + s]) : red[t] + red[t + s];
    barrier();
  }
  const float r = red[0];
  barrier();
  return r;
}

void main() {
  const uint lane = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (lane >= p.B * p.Hq * p.S) return;  // uniform across the workgroup
  const uint t = gl_LocalInvocationID.x;
  const uint i = lane % p.S, h = (lane / p.S) % p.Hq, b = lane / (p.S * p.Hq);
  const uint kvh = h / (p.Hq / p.Hkv);
  const uint kv_base = (b * p.Hkv + kvh) * p.T;
  const uint visible = p.causal != 0 ? min(p.T, p.T - p.S + i + 1) : p.T;
  const float neg_inf = -1.0 / 0.0;
  for (uint d = t; d < p.D; d += 64) qrow[d] = f[p.q_off + lane * p.D + d];
  barrier();
  float m = neg_inf;
  for (uint j = t; j < p.T; j += 64) {
    float s = neg_inf;
    bool allowed = j < visible;
    const uint mi = b * p.mstr[0] + h * p.mstr[1] + i * p.mstr[2] + j * p.mstr[3];
    if (p.mask_kind == 2) allowed = allowed && ((u[p.mask_off + mi / 4] >> (8 * (mi % 4))) & 0xffu) != 0;
    if (allowed) {
      const uint k0 = p.k_off + (kv_base + j) * p.D;
      float acc = 0.0;
      for (uint d = 0; d < p.D; ++d) acc = fma(qrow[d], f[k0 + d], acc);
      s = acc * p.scale;
      if (p.mask_kind == 1) s += f[p.mask_off + mi];
    }
    scores[j] = s;
    m = max(m, s);
  }
  m = reduce(m, true);
  const uint o0 = p.o_off + lane * p.Dv;
  if (m == neg_inf) {
    for (uint d = t; d < p.Dv; d += 64) f[o0 + d] = 0.0;
    return;
  }
  float sum = 0.0;
  for (uint j = t; j < p.T; j += 64) {
    const float e = exp(scores[j] - m);
    scores[j] = e;
    sum += e;
  }
  sum = reduce(sum, false);  // its barriers also publish scores[]
  const float inv = 1.0 / sum;
  for (uint d = t; d < p.Dv; d += 64) {
    float acc = 0.0;
    for (uint j = 0; j < p.T; ++j) acc = fma(scores[j], f[p.v_off + (kv_base + j) * p.Dv + d], acc);
    f[o0 + d] = acc * inv;
  }
}
