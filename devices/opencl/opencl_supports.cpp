#include "devices/opencl/opencl_supports.h"

#include <algorithm>
#include <climits>

#include "compiler/ir/op_params.h"

namespace nuri::opencl {
namespace {

const ir::TensorType& type_of(const ir::Graph& g, ir::ValueId v) {
  return g.value(v).type;
}

bool present(const ir::Node& n, size_t i) {
  return i < n.inputs.size() && n.inputs[i] != ir::kNoValue;
}

// Every operand present is f32, apart from inputs listed in `except`.
bool all_f32(const ir::Graph& g, const ir::Node& n, std::initializer_list<size_t> except = {}) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!present(n, i) || std::find(except.begin(), except.end(), i) != except.end()) continue;
    if (type_of(g, n.inputs[i]).dtype != DType::F32) return false;
  }
  for (ir::ValueId v : n.outputs)
    if (type_of(g, v).dtype != DType::F32) return false;
  return true;
}

// MatMul batch dims must each be the output's or a single matrix (one batch stride each).
bool batch_is_one_stride(const Shape& x, const Shape& out) {
  if (x.size() <= 2) return true;
  const Shape batch(x.begin(), x.end() - 2);
  if (num_elements(batch) == 1) return true;
  const Shape out_batch(out.end() - 2 - static_cast<int64_t>(batch.size()), out.end() - 2);
  if (out_batch != batch) return false;
  // Leading output batch dims the operand lacks must be 1 (else it would repeat).
  for (size_t d = 0; d + batch.size() + 2 < out.size(); ++d)
    if (out[d] != 1) return false;
  return true;
}

std::string check_op(const ir::Graph& g, const ir::Node& n) {
  using ir::OpKind;
  const std::string f32_only = "the OpenCL kernels for this op are f32 only";
  switch (n.op) {
    case OpKind::MatMul: {
      if (!all_f32(g, n)) return f32_only;
      const Shape& y = type_of(g, n.outputs[0]).shape;
      const Shape& a = type_of(g, n.inputs[0]).shape;
      const Shape& b = type_of(g, n.inputs[1]).shape;
      if (a.size() < 2 || b.size() < 2)  // promoted to a matrix: only without batch dims
        return a.size() <= 2 && b.size() <= 2 ? "" : "a vector operand with batch dims";
      if (!batch_is_one_stride(a, y) || !batch_is_one_stride(b, y))
        return "batch dims broadcast in a way one batch stride cannot express";
      return "";
    }
    case OpKind::Gemm:
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
    case OpKind::Sqrt:
    case OpKind::Exp:
    case OpKind::Erf:
    case OpKind::Tanh:
    case OpKind::Neg:
    case OpKind::Reciprocal:
    case OpKind::Relu:
    case OpKind::Gelu:
    case OpKind::Silu:
    case OpKind::Sigmoid:
    case OpKind::Softmax:
      if (!all_f32(g, n)) return f32_only;
      if (type_of(g, n.outputs[0]).shape.size() > 6) return "rank above 6";
      return "";
    case OpKind::LayerNorm:
    case OpKind::RMSNorm: {
      if (!all_f32(g, n)) return f32_only;
      const Shape& x = type_of(g, n.inputs[0]).shape;
      const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", -1), x.size(), "axis");
      const int64_t cols = ir::split_at(x, axis).cols;
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (present(n, i) && type_of(g, n.inputs[i]).numel() != cols)
          return "scale/bias must hold one value per normalized element";
      return "";
    }
    case OpKind::Attention: {
      if (!all_f32(g, n, {3})) return f32_only;
      if (present(n, 3)) {
        const ir::TensorType& m = type_of(g, n.inputs[3]);
        if (m.dtype != DType::F32 && m.dtype != DType::Bool) return "mask must be f32 or bool";
        if (m.shape.size() > 4) return "mask rank above 4";
      }
      if (present(n, 4) != present(n, 5)) return "past key without past value";
      if (present(n, 6)) return "kv_len (a KV cache updated in place) is not lowered";
      return "";
    }
    case OpKind::Gather:
    case OpKind::Embedding: {
      const DType idx = type_of(g, n.inputs[1]).dtype;
      if (idx != DType::I32 && idx != DType::I64) return "indices must be i32 or i64";
      return "";
    }
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
      return "";
    case OpKind::Transpose:
    case OpKind::Slice:
    case OpKind::Expand:
    case OpKind::Concat:
    case OpKind::Split:
      for (ir::ValueId v : n.inputs)
        if (v != ir::kNoValue && type_of(g, v).shape.size() > 6) return "rank above 6";
      for (ir::ValueId v : n.outputs)
        if (type_of(g, v).shape.size() > 6) return "rank above 6";
      return "";
    default:
      return "no OpenCL kernel for this op";
  }
}

}  // namespace

std::string unsupported_reason(const ir::Graph& g, const ir::Node& n) {
  // The kernels index with 32-bit ints.
  for (ir::ValueId v : n.inputs)
    if (v != ir::kNoValue && g.value(v).type.numel() > INT_MAX) return "tensor too large";
  for (ir::ValueId v : n.outputs)
    if (g.value(v).type.numel() > INT_MAX) return "tensor too large";
  return check_op(g, n);
}

}  // namespace nuri::opencl
