// Which nodes the NPU codegen (codegen.cpp) lowers; everything else falls back to another device.
#include <fmt/format.h>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/op_params.h"
#include "compiler/ir/shape_inference.h"
#include "devices/npu/codegen.h"

namespace nuri::npu {

namespace {

bool npu_float(nuri::DType t) {
  return t == nuri::DType::F32 || t == nuri::DType::BF16;
}

}  // namespace

std::string unsupported_reason(const nuri_graph_desc* desc, size_t index,
                               const sim::NpuConfig& cfg) {
  if (!desc || index >= desc->num_nodes) return "no such node";
  const ir::Graph g = ir::node_graph_from_desc(desc, index);
  const ir::Node& n = g.nodes().front();
  const nuri_node_desc& nd = *desc->nodes[index];
  const auto kind = [&](size_t i) -> nuri_value_kind { return desc->values[nd.inputs[i]]->kind; };
  const auto has = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] != ir::kNoValue; };
  const auto t = [&](size_t i) -> const ir::TensorType& { return g.value(n.inputs[i]).type; };
  const ir::TensorType& out = g.value(n.outputs[0]).type;
  const int64_t rank = static_cast<int64_t>(out.shape.size());
  if (n.op != ir::OpKind::Embedding) {
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (has(i) && !npu_float(t(i).dtype)) return "operands must be f32 or bf16";
    if (!npu_float(out.dtype)) return "result must be f32 or bf16";
  }
  switch (n.op) {
    case ir::OpKind::MatMul:
      if (t(0).shape.size() < 2 || t(1).shape.size() != 2) return "needs A of rank >= 2 and 2-D B";
      return "";
    case ir::OpKind::Gemm: {
      if (n.attrs.get_int("transA", 0) != 0) return "transA is not lowered";
      if (n.attrs.get_float("alpha", 1.0) != 1.0 || n.attrs.get_float("beta", 1.0) != 1.0)
        return "alpha/beta other than 1 are not lowered";
      if (has(2) && (kind(2) != NURI_VALUE_CONSTANT || t(2).numel() != out.shape[1] ||
                     (t(2).shape.size() == 2 && t(2).shape[0] != 1)))
        return "C must be a constant [N] bias";
      return "";
    }
    case ir::OpKind::Add:
    case ir::OpKind::Mul: {
      if (t(0).shape == t(1).shape) return "";
      const int64_t cols = rank ? out.shape.back() : 1;
      for (size_t i = 0; i < 2; ++i)
        if (t(1 - i).shape == out.shape && kind(i) == NURI_VALUE_CONSTANT && t(i).numel() == cols)
          return "";
      return "broadcasting other than a constant row is not lowered";
    }
    case ir::OpKind::LayerNorm:
    case ir::OpKind::RMSNorm:
      if (ir::normalize_axis(n.attrs.get_int("axis", -1), rank, "axis") != rank - 1)
        return "only the last axis is normalized";
      if (kind(1) != NURI_VALUE_CONSTANT || (has(2) && kind(2) != NURI_VALUE_CONSTANT))
        return "gain and bias must be constants";
      return "";
    case ir::OpKind::Softmax:
      if (ir::normalize_axis(n.attrs.get_int("axis", -1), rank, "axis") != rank - 1)
        return "only the last axis";
      return "";
    case ir::OpKind::Silu:
    case ir::OpKind::Relu:
    case ir::OpKind::Gelu:  // the vector unit's Gelu is the tanh form (erf within bf16 error)
    case ir::OpKind::Reshape:
    case ir::OpKind::Squeeze:
    case ir::OpKind::Unsqueeze:
    case ir::OpKind::Split:
      return "";
    case ir::OpKind::Transpose: {
      const auto perm = ir::resolve_perm(static_cast<int64_t>(t(0).shape.size()), n.attrs);
      if (!perm.empty() && perm.back() != static_cast<int64_t>(perm.size()) - 1)
        return "only transposes that keep the last axis (views) are lowered";
      return "";
    }
    case ir::OpKind::Attention: {
      if (n.inputs.size() > 3 || n.outputs.size() != 1) return "mask / past are not lowered";
      const Shape &q = t(0).shape, &k = t(1).shape, &v = t(2).shape;
      if (q[0] != 1) return "batch 1 only";
      if (k[1] != q[1]) return "grouped-query attention is not lowered";
      if (k[2] != q[2] || v[3] != q[3]) return "kv length must equal query length";
      // emit_attention keeps K, V of a head (double-buffered) plus one query row on chip.
      const uint64_t S = static_cast<uint64_t>(q[2]), D = static_cast<uint64_t>(q[3]);
      if (4 * S * D * 2 + 2 * (4 * D + 2 * S) + 16 > cfg.spm.size_bytes ||
          2 * (S + D) * 4 > cfg.acc.size_bytes)
        return "K and V of one head do not fit the scratchpad";
      return "";
    }
    case ir::OpKind::RotaryEmbedding: {
      const Shape& x = t(0).shape;
      if (has(3)) return "position_ids are not lowered";
      if (n.attrs.get_int("interleaved", 0) != 0) return "only the rotate-half form is lowered";
      const int64_t rot = n.attrs.get_int("rotary_dim", 0);
      if (rot != 0 && rot != x[3]) return "partial rotary_dim is not lowered";
      if (x[0] != 1 || t(1).shape != Shape{x[2], x[3] / 2}) return "batch 1, cos [seq, dim/2]";
      if (kind(1) != NURI_VALUE_CONSTANT || kind(2) != NURI_VALUE_CONSTANT)
        return "cos / sin must be constants";
      const uint64_t tile = static_cast<uint64_t>(x[2] * (x[3] / 2));
      if (4 * (tile * 4 + 64) + 8 * (tile * 2 + 64) > cfg.spm.size_bytes)
        return "seq x head_dim does not fit the scratchpad";
      return "";
    }
    case ir::OpKind::Embedding:
      if (kind(0) != NURI_VALUE_CONSTANT || t(0).shape.size() != 2 || !npu_float(t(0).dtype))
        return "table must be a 2-D float constant";
      if (kind(1) == NURI_VALUE_INTERMEDIATE) return "ids must be a graph input or a constant";
      if (t(1).dtype != nuri::DType::I64 && t(1).dtype != nuri::DType::I32) return "ids i32/i64";
      return "";
    default:
      return fmt::format("{} is not lowered by the NPU codegen", ir::op_name(n.op));
  }
}

}  // namespace nuri::npu
