// The operator set of the graph IR: one enum, names for printing and parsing.
#pragma once

#include <optional>
#include <string_view>

namespace nuri::ir {

#define NURI_OP_LIST(X)                                                                            \
  X(MatMul)                                                                                        \
  X(Gemm)                                                                                          \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Sqrt) X(Exp) X(Erf) X(Tanh) X(Neg) X(Reciprocal) X(Equal)   \
      X(Where) X(Relu) X(Gelu) X(Silu) X(Sigmoid) X(Softmax) X(LayerNorm) X(RMSNorm) X(ReduceMean) \
          X(ReduceSum) X(ReduceMax) X(Reshape) X(Transpose) X(Concat) X(Split) X(Slice) X(Gather)  \
              X(Unsqueeze) X(Squeeze) X(Expand) X(Cast) X(Embedding) X(Attention)                  \
                  X(RotaryEmbedding) X(QuantizeLinear) X(DequantizeLinear) X(MatMulInteger)        \
                      X(QLinearMatMul)

enum class OpKind {
#define NURI_OP_ENUM(name) name,
  NURI_OP_LIST(NURI_OP_ENUM)
#undef NURI_OP_ENUM
};

inline constexpr OpKind kAllOps[] = {
#define NURI_OP_ARRAY(name) OpKind::name,
    NURI_OP_LIST(NURI_OP_ARRAY)
#undef NURI_OP_ARRAY
};

std::string_view op_name(OpKind op);
std::optional<OpKind> parse_op(std::string_view name);

// Elementwise binary ops with numpy broadcasting.
bool is_binary_elementwise(OpKind op);
// Elementwise unary ops on floats (Neg also on integers).
bool is_unary_elementwise(OpKind op);
// Ops that only change the view of the data (the bytes are copied unchanged).
bool is_reshape_like(OpKind op);

}  // namespace nuri::ir
