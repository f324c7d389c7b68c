#include "compiler/ir/op_work.h"

namespace nuri::ir {

double node_flops(const Graph& g, const Node& n) {
  const TensorType& out = g.value(n.outputs[0]).type;
  const auto shape_of = [&](size_t i) -> const Shape& { return g.value(n.inputs[i]).type.shape; };
  const double outs = static_cast<double>(out.numel());
  switch (n.op) {
    case OpKind::MatMul:
    case OpKind::MatMulInteger:  // integer multiply-adds, counted as the f32 ones
    case OpKind::QLinearMatMul: {
      const Shape& a = shape_of(0);
      return 2.0 * outs * static_cast<double>(a.empty() ? 1 : a.back());
    }
    case OpKind::Gemm: {
      const Shape& a = shape_of(0);
      return 2.0 * outs * static_cast<double>(n.attrs.get_int("transA", 0) ? a[0] : a[1]);
    }
    case OpKind::Attention: {
      const Shape& q = shape_of(0);
      const Shape& k = shape_of(1);
      double keys = static_cast<double>(k[2]);
      if (n.inputs.size() > 4 && n.inputs[4] != kNoValue)  // KV cache: past keys too
        keys += static_cast<double>(shape_of(4)[2]);
      const double scores = static_cast<double>(q[0] * q[1] * q[2]) * keys;
      return 2.0 * scores * static_cast<double>(q[3] + out.shape[3]) + 5.0 * scores;
    }
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
    case OpKind::Transpose:
    case OpKind::Concat:
    case OpKind::Split:
    case OpKind::Slice:
    case OpKind::Gather:
    case OpKind::Embedding:
    case OpKind::Expand:
    case OpKind::Cast:
      return 0;
    default:
      return outs;
  }
}

double node_min_bytes(const Graph& g, const Node& n) {
  const auto bytes_of = [&](ValueId v) { return static_cast<double>(g.value(v).type.nbytes()); };
  if (n.op == OpKind::Embedding || n.op == OpKind::Gather) {
    // Only the gathered rows are read, not the whole table: indices + rows + output.
    // Embedding(table, ids) and Gather(data, indices) both take the indices second.
    return bytes_of(n.inputs[1]) + 2.0 * bytes_of(n.outputs[0]);
  }
  double bytes = 0;
  for (ValueId v : n.inputs)
    if (v != kNoValue) bytes += bytes_of(v);
  for (ValueId v : n.outputs)
    if (v != kNoValue) bytes += bytes_of(v);
  return bytes;
}

}  // namespace nuri::ir
