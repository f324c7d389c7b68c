#version 450
// Gather along one axis: out[o, i, r] = data[o, idx[i], r] over [outer, n_idx, inner words].
// Negative indices count from the end; an index out of range writes 0 and sets the fault
// word, which the host checks after the run to name the node.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { uint u[]; };
layout(push_constant) uniform P {
  uint data_off, idx_off, out_off, fault_off;
  uint outer, axis_len, inner, n_idx, idx_i64;
} p;

void main() {
  const uint n = p.outer * p.n_idx * p.inner;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint e = gl_GlobalInvocationID.x; e < n; e += stride) {
    const uint r = e % p.inner, i = (e / p.inner) % p.n_idx, o = e / (p.inner * p.n_idx);
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
    if (!ok) {
      atomicOr(u[p.fault_off], 1u);
      u[p.out_off + e] = 0u;
      continue;
    }
    u[p.out_off + e] = u[p.data_off + (o * p.axis_len + uint(idx)) * p.inner + r];
  }
}
