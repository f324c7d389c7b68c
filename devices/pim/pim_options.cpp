// Options of the `pim` device and the capability check (which nodes map onto PIM GEMVs).
#include <cstring>
#include <filesystem>

#include "compiler/abi/graph_desc.h"
#include "devices/pim/pim_program.h"
#include "nuri/desc.h"
#include "nuri/device_sdk.hpp"
#include "nuri/error.hpp"

namespace nuri::pim {
namespace {

// Descs are read through the public helpers (nuri/desc.h), as a plugin would.
int64_t attr_int(const nuri_node_desc& n, const char* name, int64_t fallback) {
  return nuri_desc_attr_int(&n, name, fallback);
}

int64_t numel(const nuri_value_desc& v) {
  return static_cast<int64_t>(nuri_desc_numel(&v));
}

const nuri_value_desc* input_value(const nuri_graph_desc* g, const nuri_node_desc& n, size_t i) {
  return nuri_desc_input(g, &n, i);
}

}  // namespace

PimDeviceOptions parse_pim_options(const char* options) {
  const auto opts = sdk::parse_options(options, "pim",
                                       {"config", "timing_only", "kv_resident", "max_rows", "f32"});
  PimDeviceOptions o;
  if (auto it = opts.find("config"); it != opts.end()) o.config_name = it->second;
  o.timing_only = sdk::option_flag(opts, "timing_only", o.timing_only, "pim");
  o.kv_resident = sdk::option_flag(opts, "kv_resident", o.kv_resident, "pim");
  o.max_rows = sdk::option_int(opts, "max_rows", o.max_rows, "pim");
  o.accept_f32 = sdk::option_flag(opts, "f32", o.accept_f32, "pim");
  if (o.max_rows < 1) throw Error("pim: option 'max_rows' expects a positive integer");
  bool is_preset = false;
  for (const std::string& p : sim::pim::PimConfig::preset_names()) is_preset |= p == o.config_name;
  if (is_preset) {
    o.config = sim::pim::PimConfig::preset(o.config_name);
  } else if (o.config_name.find(".json") != std::string::npos ||
             std::filesystem::exists(o.config_name)) {
    o.config = sim::pim::PimConfig::load_file(o.config_name);
  } else {
    std::string names;
    for (const std::string& p : sim::pim::PimConfig::preset_names()) names += p + ", ";
    throw Error(
        "pim: unknown config '" + o.config_name + "' (presets: " + names + "or a JSON file path)",
        NURI_ERROR_INVALID_ARGUMENT);
  }
  pim_dtype(o.config);  // rejects a config whose units compute in f32
  return o;
}

DType pim_dtype(const sim::pim::PimConfig& cfg) {
  switch (cfg.input) {
    case sim::pim::NumType::kF16:
      return DType::F16;
    case sim::pim::NumType::kBf16:
      return DType::BF16;
    case sim::pim::NumType::kF32:
      break;
  }
  throw Error("pim: config '" + cfg.name + "' has f32 inputs; the device maps f16/bf16 units only",
              NURI_ERROR_UNSUPPORTED);
}

std::string pim_unsupported_reason(const PimDeviceOptions& opt, const nuri_graph_desc* g,
                                   size_t index) {
  if (!g || index >= g->num_nodes) return "no such node";
  ir::check_node_desc(g, index);
  const nuri_node_desc& n = *g->nodes[index];
  const std::string op = n.op ? n.op : "";
  const bool eltwise = op == "Add" || op == "Mul";
  if (eltwise && opt.config.eltwise_cols == 0)
    return "config " + opt.config.name + " has no elementwise kernel";
  const auto want = static_cast<nuri_dtype>(pim_dtype(opt.config));
  const nuri_value_desc* a = input_value(g, n, 0);
  if (!a) return "no first input";
  if (a->dtype != want && !(opt.accept_f32 && a->dtype == NURI_DTYPE_F32))
    return std::string("dtype is neither the units' ") + dtype_name(pim_dtype(opt.config)) +
           (opt.accept_f32 ? " nor f32" : " (f32=0)");
  if (op == "MatMul" || op == "Gemm") {
    const nuri_value_desc* w = input_value(g, n, 1);
    if (!w || w->kind != NURI_VALUE_CONSTANT || w->rank != 2)
      return "weight is not a constant 2-D matrix";
    if (op == "Gemm" && attr_int(n, "transA", 0) != 0) return "transA is not mapped";
    if (a->rank < 1) return "activation is a scalar";
    const int64_t k = op == "Gemm" ? a->dims[1] : a->dims[a->rank - 1];
    const int64_t rows = k > 0 ? numel(*a) / k : 0;
    if (rows < 1 || rows > opt.max_rows)
      return "activation has " + std::to_string(rows) +
             " rows (PIM maps M <= " + std::to_string(opt.max_rows) + ")";
    return "";
  }
  if (op == "Attention") {
    const nuri_value_desc *q = a, *pk = input_value(g, n, 4), *pv = input_value(g, n, 5);
    if (input_value(g, n, 3)) return "attention mask is not mapped";
    if (!pk || !pv) return "not a decode step (no past_key/past_value)";
    if (q->dims[2] != 1) return "q_len != 1 (not a decode step)";
    if (n.num_outputs != 1 && n.num_outputs != 3) return "unexpected outputs";
    return "";
  }
  if (eltwise) {
    const nuri_value_desc* b = input_value(g, n, 1);
    if (!b || n.num_outputs != 1 || n.outputs[0] < 0) return "needs two inputs and one output";
    const nuri_value_desc& out = *g->values[n.outputs[0]];
    if (b->dtype != a->dtype) return "operands differ in dtype";
    if (numel(*a) != numel(out) || numel(*b) != numel(out))
      return "operands broadcast (PIM maps same-size operands only)";
    if (numel(out) == 0) return "empty tensor";
    return "";
  }
  return "op " + op +
         " is not mapped to PIM (GEMV, skinny GEMM, decode attention and same-size Add/Mul only)";
}

}  // namespace nuri::pim
