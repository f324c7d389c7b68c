// The graph passes. Each rewrites in place, keeps the graph's outputs unchanged (up to float
// rounding), and returns whether it changed anything.
#pragma once

#include "compiler/ir/graph.h"

namespace nuri::ir {

// Evaluates nodes whose inputs are all constants on the reference kernels (DequantizeLinear is
// kept so int8 weights stay quantized; results over 64 Mi elements are kept too).
bool fold_constants(Graph& graph);
// Removes nodes no output depends on and values nothing reads.
bool remove_dead_code(Graph& graph);

// LayerNorm from ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul scale][/Add bias] over the
// last axis (the opset <= 16 export of layer_norm).
bool fuse_layer_norm(Graph& graph);
// RMSNorm from Pow(x,2)/ReduceMean/Add eps/Sqrt/(Reciprocal | Div 1 |) Mul|Div x [/Mul weight].
bool fuse_rms_norm(Graph& graph);
// Gelu{none} from x*0.5*(1+erf(x/sqrt2)); Gelu{tanh} from 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715
// x^3))); Silu from x*sigmoid(x).
bool fuse_activations(Graph& graph);
// RotaryEmbedding (non-interleaved, full head dim) from x*cos + rotate_half(x)*sin, where
// rotate_half is Concat(Neg(Slice upper half), Slice lower half) and cos/sin are either
// constants or Unsqueeze(Gather(constant table, position_ids), 1).
bool fuse_rotary(Graph& graph);
// Attention from MatMul(q, Transpose(k)) [scaled by Div/Mul] [masked by Add or Where] ->
// Softmax -> MatMul(v). GQA's Unsqueeze/Expand/Reshape repeat of k/v is undone (Attention
// takes Hkv heads); a constant mask equal to the causal pattern becomes causal=1. Keys/values
// concatenated with a cache stay a Concat feeding the fused op (fuse_kv_cache takes them in).
bool fuse_attention(Graph& graph);
// Attention(q, Concat(past_k, k), Concat(past_v, v)) over the sequence axis -> Attention with
// past_k/past_v inputs whose present_k/present_v outputs replace the Concats.
bool fuse_kv_cache(Graph& graph);
// MatMul(x, W[K,N]) + b[N] -> Gemm(x, W, b); for x of rank > 2 the rows are flattened by a
// Reshape before and restored after (both free views). MatMul without a bias is left alone.
bool fuse_matmul_bias(Graph& graph);

}  // namespace nuri::ir
