/* Nuri op contract: every op a partition desc (nuri/device.h) may hold, its inputs by
 * position (nuri_node_desc.inputs[i]; -1 = an absent optional input), its attributes
 * (nuri_attr, by name) and their defaults when a node omits them.
 * GENERATED from compiler/ir/op_schema.cpp by `nuri_gen_ops_header`; do not edit. */
#ifndef NURI_OPS_H
#define NURI_OPS_H

/* MatMul: numpy matmul: A [..., M, K] x B [..., K, N].
 *   outputs: Y [..., M, N] */
#define NURI_OP_MATMUL "MatMul"
#define NURI_MATMUL_IN_A 0
#define NURI_MATMUL_IN_B 1

/* Gemm: alpha * op(A) op(B) + beta * C, A and B 2-D.
 *   outputs: Y [M, N] */
#define NURI_OP_GEMM "Gemm"
#define NURI_GEMM_IN_A 0
#define NURI_GEMM_IN_B 1
/* optional: -1 when absent */
#define NURI_GEMM_IN_C 2
/* int transA: 1 transposes A */
#define NURI_GEMM_ATTR_TRANSA "transA"
#define NURI_GEMM_TRANSA_DEFAULT 0
/* int transB: 1 transposes B */
#define NURI_GEMM_ATTR_TRANSB "transB"
#define NURI_GEMM_TRANSB_DEFAULT 0
/* float alpha: scales A x B */
#define NURI_GEMM_ATTR_ALPHA "alpha"
#define NURI_GEMM_ALPHA_DEFAULT 1.0
/* float beta: scales C */
#define NURI_GEMM_ATTR_BETA "beta"
#define NURI_GEMM_BETA_DEFAULT 1.0

/* Add: A + B.
 *   outputs: C: numpy-broadcast shape, A's dtype */
#define NURI_OP_ADD "Add"
#define NURI_ADD_IN_A 0
#define NURI_ADD_IN_B 1

/* Sub: A - B.
 *   outputs: C: numpy-broadcast shape, A's dtype */
#define NURI_OP_SUB "Sub"
#define NURI_SUB_IN_A 0
#define NURI_SUB_IN_B 1

/* Mul: A * B.
 *   outputs: C: numpy-broadcast shape, A's dtype */
#define NURI_OP_MUL "Mul"
#define NURI_MUL_IN_A 0
#define NURI_MUL_IN_B 1

/* Div: A / B.
 *   outputs: C: numpy-broadcast shape, A's dtype */
#define NURI_OP_DIV "Div"
#define NURI_DIV_IN_A 0
#define NURI_DIV_IN_B 1

/* Pow: A ** B.
 *   outputs: C: numpy-broadcast shape, A's dtype */
#define NURI_OP_POW "Pow"
#define NURI_POW_IN_A 0
#define NURI_POW_IN_B 1

/* Sqrt: sqrt(X).
 *   outputs: Y: same type as X */
#define NURI_OP_SQRT "Sqrt"
#define NURI_SQRT_IN_X 0

/* Exp: exp(X).
 *   outputs: Y: same type as X */
#define NURI_OP_EXP "Exp"
#define NURI_EXP_IN_X 0

/* Erf: erf(X).
 *   outputs: Y: same type as X */
#define NURI_OP_ERF "Erf"
#define NURI_ERF_IN_X 0

/* Tanh: tanh(X).
 *   outputs: Y: same type as X */
#define NURI_OP_TANH "Tanh"
#define NURI_TANH_IN_X 0

/* Neg: -X.
 *   outputs: Y: same type as X */
#define NURI_OP_NEG "Neg"
#define NURI_NEG_IN_X 0

/* Reciprocal: 1 / X.
 *   outputs: Y: same type as X */
#define NURI_OP_RECIPROCAL "Reciprocal"
#define NURI_RECIPROCAL_IN_X 0

/* Equal: A == B, numpy broadcasting.
 *   outputs: C: bool */
#define NURI_OP_EQUAL "Equal"
#define NURI_EQUAL_IN_A 0
#define NURI_EQUAL_IN_B 1

/* Where: condition ? X : Y, numpy broadcasting.
 *   outputs: Z: X's dtype */
#define NURI_OP_WHERE "Where"
#define NURI_WHERE_IN_CONDITION 0
#define NURI_WHERE_IN_X 1
#define NURI_WHERE_IN_Y 2

/* Relu: max(X, 0).
 *   outputs: Y: same type as X */
#define NURI_OP_RELU "Relu"
#define NURI_RELU_IN_X 0

/* Gelu: X * Phi(X).
 *   outputs: Y */
#define NURI_OP_GELU "Gelu"
#define NURI_GELU_IN_X 0
/* string approximate: "none" (erf) or "tanh"; default "none" */
#define NURI_GELU_ATTR_APPROXIMATE "approximate"

/* Silu: X * sigmoid(X).
 *   outputs: Y: same type as X */
#define NURI_OP_SILU "Silu"
#define NURI_SILU_IN_X 0

/* Sigmoid: 1 / (1 + exp(-X)).
 *   outputs: Y: same type as X */
#define NURI_OP_SIGMOID "Sigmoid"
#define NURI_SIGMOID_IN_X 0

/* Softmax: softmax along axis.
 *   outputs: Y */
#define NURI_OP_SOFTMAX "Softmax"
#define NURI_SOFTMAX_IN_X 0
/* int axis: axis normalized over (negative counts from the end) */
#define NURI_SOFTMAX_ATTR_AXIS "axis"
#define NURI_SOFTMAX_AXIS_DEFAULT -1

/* LayerNorm: (X - mean) / sqrt(var + epsilon) * scale + bias over dims axis..rank-1.
 *   outputs: Y */
#define NURI_OP_LAYERNORM "LayerNorm"
#define NURI_LAYERNORM_IN_X 0
#define NURI_LAYERNORM_IN_SCALE 1
/* optional: -1 when absent */
#define NURI_LAYERNORM_IN_BIAS 2
/* int axis: axis normalized over (negative counts from the end) */
#define NURI_LAYERNORM_ATTR_AXIS "axis"
#define NURI_LAYERNORM_AXIS_DEFAULT -1
/* float epsilon: added to the variance */
#define NURI_LAYERNORM_ATTR_EPSILON "epsilon"
#define NURI_LAYERNORM_EPSILON_DEFAULT 1e-5

/* RMSNorm: X / sqrt(mean(X^2) + epsilon) * scale over dims axis..rank-1.
 *   outputs: Y */
#define NURI_OP_RMSNORM "RMSNorm"
#define NURI_RMSNORM_IN_X 0
#define NURI_RMSNORM_IN_SCALE 1
/* int axis: axis normalized over (negative counts from the end) */
#define NURI_RMSNORM_ATTR_AXIS "axis"
#define NURI_RMSNORM_AXIS_DEFAULT -1
/* float epsilon: added to the mean square */
#define NURI_RMSNORM_ATTR_EPSILON "epsilon"
#define NURI_RMSNORM_EPSILON_DEFAULT 1e-5

/* ReduceMean: mean over axes.
 *   outputs: Y */
#define NURI_OP_REDUCEMEAN "ReduceMean"
#define NURI_REDUCEMEAN_IN_X 0
/* ints axes: dims reduced; empty = all; default {} */
#define NURI_REDUCEMEAN_ATTR_AXES "axes"
/* int keepdims: 1 keeps reduced dims as size 1 */
#define NURI_REDUCEMEAN_ATTR_KEEPDIMS "keepdims"
#define NURI_REDUCEMEAN_KEEPDIMS_DEFAULT 1

/* ReduceSum: sum over axes.
 *   outputs: Y */
#define NURI_OP_REDUCESUM "ReduceSum"
#define NURI_REDUCESUM_IN_X 0
/* ints axes: dims reduced; empty = all; default {} */
#define NURI_REDUCESUM_ATTR_AXES "axes"
/* int keepdims: 1 keeps reduced dims as size 1 */
#define NURI_REDUCESUM_ATTR_KEEPDIMS "keepdims"
#define NURI_REDUCESUM_KEEPDIMS_DEFAULT 1

/* ReduceMax: max over axes.
 *   outputs: Y */
#define NURI_OP_REDUCEMAX "ReduceMax"
#define NURI_REDUCEMAX_IN_X 0
/* ints axes: dims reduced; empty = all; default {} */
#define NURI_REDUCEMAX_ATTR_AXES "axes"
/* int keepdims: 1 keeps reduced dims as size 1 */
#define NURI_REDUCEMAX_ATTR_KEEPDIMS "keepdims"
#define NURI_REDUCEMAX_KEEPDIMS_DEFAULT 1

/* Reshape: same bytes, new shape.
 *   outputs: Y */
#define NURI_OP_RESHAPE "Reshape"
#define NURI_RESHAPE_IN_X 0
/* ints shape: target; -1 inferred, 0 copies the input dim; required */
#define NURI_RESHAPE_ATTR_SHAPE "shape"
/* int allowzero: 1 makes 0 a literal zero dim */
#define NURI_RESHAPE_ATTR_ALLOWZERO "allowzero"
#define NURI_RESHAPE_ALLOWZERO_DEFAULT 0

/* Transpose: permute dims.
 *   outputs: Y */
#define NURI_OP_TRANSPOSE "Transpose"
#define NURI_TRANSPOSE_IN_X 0
/* ints perm: output dim i is input dim perm[i]; empty = reversed; default {} */
#define NURI_TRANSPOSE_ATTR_PERM "perm"

/* Concat: join along axis.
 *   outputs: Y */
#define NURI_OP_CONCAT "Concat"
/* the first of any number */
#define NURI_CONCAT_IN_X 0
/* int axis: the joined dim; required */
#define NURI_CONCAT_ATTR_AXIS "axis"

/* Split: cut along axis into the node's outputs.
 *   outputs: Y0..Yn-1 */
#define NURI_OP_SPLIT "Split"
#define NURI_SPLIT_IN_X 0
/* int axis: the cut dim */
#define NURI_SPLIT_ATTR_AXIS "axis"
#define NURI_SPLIT_AXIS_DEFAULT 0
/* ints split: sizes; empty = equal parts; default {} */
#define NURI_SPLIT_ATTR_SPLIT "split"

/* Slice: ONNX Slice, bounds clamped.
 *   outputs: Y */
#define NURI_OP_SLICE "Slice"
#define NURI_SLICE_IN_X 0
/* ints starts: first index per sliced axis; required */
#define NURI_SLICE_ATTR_STARTS "starts"
/* ints ends: end (exclusive) per sliced axis; required */
#define NURI_SLICE_ATTR_ENDS "ends"
/* ints axes: sliced axes; empty = 0..n-1; default {} */
#define NURI_SLICE_ATTR_AXES "axes"
/* ints steps: strides; empty = all 1; default {} */
#define NURI_SLICE_ATTR_STEPS "steps"

/* Gather: take indices along axis.
 *   outputs: Y: data dims before axis, indices dims, data dims after */
#define NURI_OP_GATHER "Gather"
#define NURI_GATHER_IN_DATA 0
#define NURI_GATHER_IN_INDICES 1
/* int axis: the indexed dim */
#define NURI_GATHER_ATTR_AXIS "axis"
#define NURI_GATHER_AXIS_DEFAULT 0

/* Unsqueeze: insert size-1 dims.
 *   outputs: Y */
#define NURI_OP_UNSQUEEZE "Unsqueeze"
#define NURI_UNSQUEEZE_IN_X 0
/* ints axes: positions in the output; required */
#define NURI_UNSQUEEZE_ATTR_AXES "axes"

/* Squeeze: remove size-1 dims.
 *   outputs: Y */
#define NURI_OP_SQUEEZE "Squeeze"
#define NURI_SQUEEZE_IN_X 0
/* ints axes: dims removed; empty = every size-1 dim; default {} */
#define NURI_SQUEEZE_ATTR_AXES "axes"

/* Expand: broadcast to a shape (both ways, as ONNX).
 *   outputs: Y */
#define NURI_OP_EXPAND "Expand"
#define NURI_EXPAND_IN_X 0
/* ints shape: target; 1 keeps the input dim; required */
#define NURI_EXPAND_ATTR_SHAPE "shape"

/* Cast: convert dtype.
 *   outputs: Y */
#define NURI_OP_CAST "Cast"
#define NURI_CAST_IN_X 0
/* string to: dtype name: "f32", "f16", "bf16", "i8", ...; required */
#define NURI_CAST_ATTR_TO "to"

/* Embedding: rows of table by ids (Gather on axis 0).
 *   outputs: Y [ids..., D] */
#define NURI_OP_EMBEDDING "Embedding"
#define NURI_EMBEDDING_IN_TABLE 0
#define NURI_EMBEDDING_IN_IDS 1

/* Attention: softmax(q k^T * scale + mask) v; q [B,Hq,S,D], k [B,Hkv,T,D], v [B,Hkv,T,Dv].
 *   outputs: Y [B,Hq,S,Dv]; with past_k/v also present_k/v (kv_len: past's shape, may alias it) */
#define NURI_OP_ATTENTION "Attention"
#define NURI_ATTENTION_IN_Q 0
#define NURI_ATTENTION_IN_K 1
#define NURI_ATTENTION_IN_V 2
/* optional: -1 when absent */
#define NURI_ATTENTION_IN_MASK 3
/* optional: -1 when absent */
#define NURI_ATTENTION_IN_PAST_K 4
/* optional: -1 when absent */
#define NURI_ATTENTION_IN_PAST_V 5
/* optional: -1 when absent */
#define NURI_ATTENTION_IN_KV_LEN 6
/* float scale: multiplies the scores; default 1/sqrt(D) */
#define NURI_ATTENTION_ATTR_SCALE "scale"
/* int causal: 1 masks keys after the query's position */
#define NURI_ATTENTION_ATTR_CAUSAL "causal"
#define NURI_ATTENTION_CAUSAL_DEFAULT 0

/* RotaryEmbedding: rotary position embedding of x [B,H,S,D].
 *   outputs: Y */
#define NURI_OP_ROTARYEMBEDDING "RotaryEmbedding"
#define NURI_ROTARYEMBEDDING_IN_X 0
#define NURI_ROTARYEMBEDDING_IN_COS 1
#define NURI_ROTARYEMBEDDING_IN_SIN 2
/* optional: -1 when absent */
#define NURI_ROTARYEMBEDDING_IN_POSITION_IDS 3
/* int rotary_dim: rotated head dims; 0 = all */
#define NURI_ROTARYEMBEDDING_ATTR_ROTARY_DIM "rotary_dim"
#define NURI_ROTARYEMBEDDING_ROTARY_DIM_DEFAULT 0
/* int interleaved: 1 rotates (even, odd) pairs, 0 the two halves */
#define NURI_ROTARYEMBEDDING_ATTR_INTERLEAVED "interleaved"
#define NURI_ROTARYEMBEDDING_INTERLEAVED_DEFAULT 0

/* QuantizeLinear: round(X / scale) + zero_point, saturated to i8.
 *   outputs: Y: same shape as X */
#define NURI_OP_QUANTIZELINEAR "QuantizeLinear"
#define NURI_QUANTIZELINEAR_IN_X 0
#define NURI_QUANTIZELINEAR_IN_SCALE 1
/* optional: -1 when absent */
#define NURI_QUANTIZELINEAR_IN_ZERO_POINT 2
/* int axis: channel axis of a 1-D scale */
#define NURI_QUANTIZELINEAR_ATTR_AXIS "axis"
#define NURI_QUANTIZELINEAR_AXIS_DEFAULT 1

/* DequantizeLinear: (X - zero_point) * scale, i8 to f32.
 *   outputs: Y: same shape as X */
#define NURI_OP_DEQUANTIZELINEAR "DequantizeLinear"
#define NURI_DEQUANTIZELINEAR_IN_X 0
#define NURI_DEQUANTIZELINEAR_IN_SCALE 1
/* optional: -1 when absent */
#define NURI_DEQUANTIZELINEAR_IN_ZERO_POINT 2
/* int axis: channel axis of a 1-D scale */
#define NURI_DEQUANTIZELINEAR_ATTR_AXIS "axis"
#define NURI_DEQUANTIZELINEAR_AXIS_DEFAULT 1

/* MatMulInteger: (A - a_zero_point) x (B - b_zero_point) in int32; A, B int8 or uint8.
 *   outputs: Y [..., M, N] int32 */
#define NURI_OP_MATMULINTEGER "MatMulInteger"
#define NURI_MATMULINTEGER_IN_A 0
#define NURI_MATMULINTEGER_IN_B 1
/* optional: -1 when absent */
#define NURI_MATMULINTEGER_IN_A_ZERO_POINT 2
/* optional: -1 when absent */
#define NURI_MATMULINTEGER_IN_B_ZERO_POINT 3

/* QLinearMatMul: quantized matmul: dequantize a and b, multiply, requantize to y's scale.
 *   outputs: Y [..., M, N], y_zero_point's dtype */
#define NURI_OP_QLINEARMATMUL "QLinearMatMul"
#define NURI_QLINEARMATMUL_IN_A 0
#define NURI_QLINEARMATMUL_IN_A_SCALE 1
#define NURI_QLINEARMATMUL_IN_A_ZERO_POINT 2
#define NURI_QLINEARMATMUL_IN_B 3
#define NURI_QLINEARMATMUL_IN_B_SCALE 4
#define NURI_QLINEARMATMUL_IN_B_ZERO_POINT 5
#define NURI_QLINEARMATMUL_IN_Y_SCALE 6
#define NURI_QLINEARMATMUL_IN_Y_ZERO_POINT 7

#define NURI_OP_COUNT 42

#endif /* NURI_OPS_H */
