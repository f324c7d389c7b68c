#version 450
// gather.comp for f32 data whose gathered rows (inner) are whole vec4s: the data is read as
// vec4 texels through binding 1, which reaches past the storage buffer binding, so a table
// bigger than that binding (GPT-2's token embedding on lavapipe) can be gathered.
// out[o, i, r] = data[o, idx[i], r] over [outer, n_idx, inner texels]; negative indices count
// from the end; an index out of range writes 0 and sets the fault word.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(binding = 1) uniform samplerBuffer arena4;
layout(push_constant) uniform P {
  uint data_off4, idx_off, out_off, fault_off;  // data_off4 in texels, the others in words
  uint outer, axis_len, inner4, n_idx, idx_i64;
} p;

void main() {
  const uint n = p.outer * p.n_idx * p.inner4;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint e = gl_GlobalInvocationID.x; e < n; e += stride) {
    const uint r = e % p.inner4, i = (e / p.inner4) % p.n_idx, o = e / (p.inner4 * p.n_idx);
    int idx;
    bool ok = true;
    if (p.idx_i64 != 0) {
      const uint lo = u[p.idx_off + 2 * i], hi = u[p.idx_off + 2 * i + 1];
      // In range only if the high word is the sign extension of the low word.
      ok = hi == ((int(lo) < 0) ? 0xffffffffu : 0u);
      idx = int(lo);
    } else {
      idx = int(u[p.idx_off + i]);
    }
    if (idx < 0) idx += int(p.axis_len);
    ok = ok && idx >= 0 && idx < int(p.axis_len);
    if (!ok) atomicOr(u[p.fault_off], 1u);
    const vec4 v = ok ? texelFetch(arena4, int(p.data_off4 + (o * p.axis_len + uint(idx)) * p.inner4 + r))
                      : vec4(0.0);
    const uint at = p.out_off + 4 * e;
    u[at] = floatBitsToUint(v.x);
    u[at + 1] = floatBitsToUint(v.y);
    u[at + 2] = floatBitsToUint(v.z);
    u[at + 3] = floatBitsToUint(v.w);
  }
}
