#version 450
// Elementwise unary float ops. GLSL has no erf: the Abramowitz-Stegun 7.1.26 fit (absolute
// error below 1.5e-7) with its Maclaurin series near 0, where the fit is least accurate.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Arena { float f[]; };
layout(push_constant) uniform P { uint in_off, out_off, n, op; } p;

float erf_approx(float x) {
  const float ax = abs(x);
  if (ax > 4.0) return sign(x);
  // Maclaurin series near 0 (the rational fit loses relative accuracy there).
  if (ax < 0.5) {
    const float x2 = x * x;
    return x * (1.1283791671 + x2 * (-0.3761263890 + x2 * (0.1128379167 + x2 * (-0.0268661706 +
                x2 * (0.0052239776 + x2 * -0.0008548327)))));
  }
  const float t = 1.0 / (1.0 + 0.3275911 * ax);
  const float y = 1.0 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
                  t * (-1.453152027 + t * 1.061405429)))) * exp(-ax * ax);
  return sign(x) * y;
}

float apply(float x) {
  switch (p.op) {
    case 0: return sqrt(x);
    case 1: return exp(x);
    case 2: return erf_approx(x);
    case 3: return tanh(clamp(x, -15.0, 15.0));  // tanh(15) is 1 in f32; some drivers overflow
    case 4: return -x;
    case 5: return 1.0 / x;
    case 6: return max(x, 0.0);
    case 7: return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752));
    case 8: {
      const float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1.0 + tanh(clamp(u, -15.0, 15.0)));
    }
    case 9: return x / (1.0 + exp(-x));
    default: return 1.0 / (1.0 + exp(-x));
  }
}

void main() {
  const uint stride = gl_NumWorkGroups.x * 256;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) f[p.out_off + i] = apply(f[p.in_off + i]);
}
