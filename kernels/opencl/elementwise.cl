// Elementwise ops on f32. Broadcasting follows numpy: the output index is split over up to
// six dims (`dims`, padded with leading 1s) and each operand reads through its own strides
// (0 on a broadcast dim), so one kernel covers same-shape, row, column and scalar operands.
#define EW_RANK 6

enum BinaryOp { BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3, BIN_POW = 4 };
enum UnaryOp {
  UN_SQRT = 0, UN_EXP = 1, UN_ERF = 2, UN_TANH = 3, UN_NEG = 4, UN_RECIPROCAL = 5,
  UN_RELU = 6, UN_GELU_ERF = 7, UN_GELU_TANH = 8, UN_SILU = 9, UN_SIGMOID = 10
};

// meta: dims[6], a_strides[6], b_strides[6].
__kernel void binary_f32(const __global float* a, const __global float* b, __global float* y,
                         __constant int* meta, int count, int op) {
  const int i = get_global_id(0);
  if (i >= count) return;
  int rest = i, ia = 0, ib = 0;
  for (int d = EW_RANK - 1; d >= 0; --d) {
    const int coord = rest % meta[d];
    rest /= meta[d];
    ia += coord * meta[EW_RANK + d];
    ib += coord * meta[2 * EW_RANK + d];
  }
  const float x = a[ia], z = b[ib];
  float r;
  switch (op) {
    case BIN_ADD: r = x + z; break;
    case BIN_SUB: r = x - z; break;
    case BIN_MUL: r = x * z; break;
    case BIN_DIV: r = x / z; break;
    default: r = pow(x, z); break;
  }
  y[i] = r;
}

float sigmoid_f(float x) { return 1.0f / (1.0f + exp(-x)); }

__kernel void unary_f32(const __global float* x, __global float* y, int count, int op) {
  const int i = get_global_id(0);
  if (i >= count) return;
  const float v = x[i];
  float r;
  switch (op) {
    case UN_SQRT: r = sqrt(v); break;
    case UN_EXP: r = exp(v); break;
    case UN_ERF: r = erf(v); break;
    case UN_TANH: r = tanh(v); break;
    case UN_NEG: r = -v; break;
    case UN_RECIPROCAL: r = 1.0f / v; break;
    case UN_RELU: r = fmax(v, 0.0f); break;
    // 1 + erf(x/sqrt2) == erfc(-x/sqrt2): no cancellation for negative x.
    case UN_GELU_ERF: r = 0.5f * v * erfc(-v * M_SQRT1_2_F); break;
    // 0.5 (1 + tanh u) == sigmoid(2u), again free of cancellation for negative x.
    case UN_GELU_TANH: {
      const float u = sqrt(2.0f / M_PI_F) * (v + 0.044715f * v * v * v);
      r = v * sigmoid_f(2.0f * u);
      break;
    }
    case UN_SILU: r = v * sigmoid_f(v); break;
    default: r = sigmoid_f(v); break;
  }
  y[i] = r;
}
