#include "runtime/deployment_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "compiler/frontend/onnx/onnx_model.h"
#include "nuri/error.hpp"

namespace nuri::rt {
namespace {

enum class DimRole { Batch, Seq, Past, Total };

bool has_prefix(const std::string& name, const char* prefix) {
  return name.rfind(prefix, 0) == 0;
}

// The role of a symbolic dim named `param`: the deployment's model.dims entry (a role or a
// size), else a guess from the name; nullopt role with a size when fixed.
struct DimBinding {
  std::optional<DimRole> role;
  int64_t size = 0;
};

DimBinding bind_dim(const Deployment& d, const std::string& input, size_t axis,
                    const std::string& param) {
  std::string name = param;
  if (auto it = d.onnx_dims.find(param); it != d.onnx_dims.end()) {
    const std::string& v = it->second;
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return {std::nullopt, std::stoll(v)};
    name = v;  // a role's own name guesses to itself
  }
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto contains = [&](const char* word) { return lower.find(word) != std::string::npos; };
  if (contains("past")) return {DimRole::Past};
  if (contains("total")) return {DimRole::Total};
  if (contains("batch")) return {DimRole::Batch};
  if (contains("seq") || contains("sequence") || contains("len")) return {DimRole::Seq};
  throw Error(fmt::format(
      "deployment: model '{}': input '{}' dim {} ('{}') is not batch, seq, past or total by its "
      "name; give it in model.dims (\"{}\": \"batch\", \"seq\", \"past\", \"total\" or a size)",
      d.onnx, input, axis, param.empty() ? "unnamed" : param, param));
}

struct OnnxPhase {
  int64_t seq = 0, past = 0;
};

PhaseModel onnx_phase(const Deployment& d, const onnx::OnnxModel& model, OnnxPhase phase) {
  PhaseModel out;
  onnx::InputShapes shapes;
  Shape ids_shape;
  bool has_batch = false, has_seq = false;  // else the phase would not be what it claims
  for (const onnx::OnnxInput& in : model.inputs()) {
    Shape shape;
    bool cache = false;
    for (size_t axis = 0; axis < in.dims.size(); ++axis) {
      const onnx::OnnxDim& dim = in.dims[axis];
      if (dim.size >= 0) {
        shape.push_back(dim.size);
        continue;
      }
      const DimBinding b = bind_dim(d, in.name, axis, dim.param);
      if (!b.role) {
        shape.push_back(b.size);
        continue;
      }
      switch (*b.role) {
        case DimRole::Batch:
          shape.push_back(d.batch);
          has_batch = true;
          break;
        case DimRole::Seq:
          shape.push_back(phase.seq);
          has_seq = true;
          break;
        case DimRole::Past:
          shape.push_back(phase.past);
          cache = true;
          break;
        case DimRole::Total:
          shape.push_back(phase.past + phase.seq);
          break;
      }
    }
    if (cache) out.kv_cache.insert(in.name);
    if (ids_shape.empty() && is_integer(in.dtype)) ids_shape = shape;
    shapes[in.name] = shape;
  }
  if (!has_seq)
    throw Error(
        fmt::format("deployment: model '{}' has no input dim of role seq: the prompt and "
                    "the decode steps' one new token cannot be bound (model.dims)",
                    d.onnx));
  if (d.batch != 1 && !has_batch)
    throw Error(
        fmt::format("deployment: model '{}' has no input dim of role batch: batch {} "
                    "cannot be simulated (model.dims)",
                    d.onnx, d.batch));
  ir::BuiltinModel& m = out.m;
  try {
    m.graph = model.specialize(shapes);
  } catch (const Error& e) {
    throw Error(fmt::format("deployment: model '{}' at seq {}, past {}, batch {}: {}", d.onnx,
                            phase.seq, phase.past, d.batch, e.what()));
  }
  for (ir::ValueId id : m.graph.outputs())
    if (has_prefix(m.graph.value(id).name, "present")) out.kv_cache.insert(m.graph.value(id).name);
  m.seq = phase.seq;
  m.batch = d.batch;
  m.past = phase.past;
  m.kv_cache = !out.kv_cache.empty();
  for (const ir::Node& n : m.graph.nodes())
    if (n.op == ir::OpKind::Attention) {
      const Shape& q = m.graph.value(n.inputs[0]).type.shape;  // [B, Hq, S, D]
      const Shape& k = m.graph.value(n.inputs[1]).type.shape;
      if (m.layers++ == 0) {
        m.heads = q[1];
        m.d_model = q[1] * q[3];
        m.kv_heads = k[1];
      }
    }
  if (!m.graph.outputs().empty())
    m.vocab = m.graph.value(m.graph.outputs().front()).type.shape.back();
  if (!ids_shape.empty()) m.ids = Tensor(DType::I64, ids_shape);  // zeros: timing only
  return out;
}

bool onnx_has_past(const Deployment& d, const onnx::OnnxModel& model) {
  for (const onnx::OnnxInput& in : model.inputs())
    for (size_t axis = 0; axis < in.dims.size(); ++axis)
      if (in.dims[axis].size < 0) {
        const DimBinding b = bind_dim(d, in.name, axis, in.dims[axis].param);
        if (b.role == DimRole::Past) return true;
      }
  return false;
}

PhaseModel builtin_phase(const Deployment& d, int64_t seq, std::optional<int64_t> past) {
  ir::ModelSizes s = d.sizes;
  s.seq = seq;
  s.batch = d.batch;
  s.past = past;
  PhaseModel out{ir::build_builtin_model(d.model, s, d.seed, /*with_weights=*/false), {}};
  out.kv_cache = kv_cache_values(out.m);
  return out;
}

}  // namespace

PhaseModel prefill_model(const Deployment& d) {
  // With a KV cache: the prefill writes each layer's keys and values.
  if (d.onnx.empty()) return builtin_phase(d, d.prompt, 0);
  return onnx_phase(d, onnx::OnnxModel::load(d.onnx), {d.prompt, 0});
}

PhaseModel decode_step_model(const Deployment& d, int64_t context) {
  if (d.onnx.empty()) return builtin_phase(d, 1, context);
  const onnx::OnnxModel model = onnx::OnnxModel::load(d.onnx);
  if (onnx_has_past(d, model)) return onnx_phase(d, model, {1, context});
  return onnx_phase(d, model, {context + 1, 0});  // no cache: the whole sequence again
}

bool decode_has_kv_cache(const Deployment& d) {
  return d.onnx.empty() || onnx_has_past(d, onnx::OnnxModel::load(d.onnx));
}

std::set<std::string> kv_cache_values(const ir::BuiltinModel& m) {
  std::set<std::string> names;
  const auto add_cache = [&](ir::ValueId id) {
    const std::string& name = m.graph.value(id).name;
    for (const char* prefix : {"past_key.", "past_value.", "present_key.", "present_value."})
      if (has_prefix(name, prefix)) names.insert(name);
  };
  for (ir::ValueId id : m.graph.inputs()) add_cache(id);
  for (ir::ValueId id : m.graph.outputs()) add_cache(id);
  return names;
}

}  // namespace nuri::rt
