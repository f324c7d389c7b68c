#include "compiler/ir/op.h"

namespace nuri::ir {

std::string_view op_name(OpKind op) {
  switch (op) {
#define NURI_OP_CASE(name) \
  case OpKind::name:       \
    return #name;
    NURI_OP_LIST(NURI_OP_CASE)
#undef NURI_OP_CASE
  }
  return "?";
}

std::optional<OpKind> parse_op(std::string_view name) {
  for (OpKind op : kAllOps)
    if (op_name(op) == name) return op;
  return std::nullopt;
}

bool is_binary_elementwise(OpKind op) {
  return op == OpKind::Add || op == OpKind::Sub || op == OpKind::Mul || op == OpKind::Div ||
         op == OpKind::Pow;
}

bool is_unary_elementwise(OpKind op) {
  switch (op) {
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
      return true;
    default:
      return false;
  }
}

bool is_reshape_like(OpKind op) {
  return op == OpKind::Reshape || op == OpKind::Unsqueeze || op == OpKind::Squeeze;
}

}  // namespace nuri::ir
