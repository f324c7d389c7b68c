#version 450
// Rotary position embedding on x [B, H, S, D], one output element per invocation. Pair i is
// (2i, 2i+1) interleaved or (i, i + rot/2) in halves; y1 = x1 cos - x2 sin, y2 = x2 cos + x1 sin;
// dims past rot pass through. cos/sin rows come from position_ids (i64 [B, S]) when given,
// else from (b * cos_batch_stride + s * rot/2). A position outside [0, max_pos) writes 0 and
// sets the fault word, which the host checks to name the node.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(std430, binding = 0) buffer ArenaU { uint u[]; };
layout(push_constant) uniform P {
  uint x_off, cos_off, sin_off, pos_off, y_off, fault_off;
  uint B, H, S, D, rot, interleaved, has_pos, max_pos, cos_batch_stride;
} p;

void main() {
  const uint n = p.B * p.H * p.S * p.D;
  const uint half_rot = p.rot / 2;
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint e = gl_GlobalInvocationID.x; e < n; e += stride) {
    const uint d = e % p.D, s = (e / p.D) % p.S, b = e / (p.D * p.S * p.H);
    if (d >= p.rot) {
      f[p.y_off + e] = f[p.x_off + e];
      continue;
    }
    uint row;
    if (p.has_pos != 0) {
      const uint lo = u[p.pos_off + 2 * (b * p.S + s)], hi = u[p.pos_off + 2 * (b * p.S + s) + 1];
      if (hi != 0u || lo >= p.max_pos) {
        atomicOr(u[p.fault_off], 1u);
        f[p.y_off + e] = 0.0;
        continue;
      }
      row = lo * half_rot;
    } else {
      row = b * p.cos_batch_stride + s * half_rot;
    }
    const uint base = e - d;
    uint i, i1, i2;
    bool first;
    if (p.interleaved != 0) {
      i = d / 2;
      i1 = 2 * i;
      i2 = i1 + 1;
      first = d % 2 == 0;
    } else {
      i = d < half_rot ? d : d - half_rot;
      i1 = i;
      i2 = i + half_rot;
      first = d < half_rot;
    }
    const float c = f[p.cos_off + row + i], sn = f[p.sin_off + row + i];
    const float x1 = f[p.x_off + base + i1], x2 = f[p.x_off + base + i2];
    f[p.y_off + e] = first ? x1 * c - x2 * sn : x2 * c + x1 * sn;
  }
}
