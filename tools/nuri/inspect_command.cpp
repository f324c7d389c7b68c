// nuri inspect MODEL.onnx: what a model holds — inputs/outputs, ONNX op histogram, and for the
// imported (specialized, fused) graph its op histogram, parameter count and FLOPs per op.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "compiler/abi/graph_desc.h"
#include "compiler/frontend/onnx/onnx_model.h"
#include "compiler/ir/op_params.h"
#include "compiler/ir/op_work.h"
#include "runtime/model_inputs.h"
#include "runtime/registry.h"
#include "tools/nuri/commands.h"

namespace nuri::cli {
namespace {

std::string human(double v) {
  const char* units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f}", v) : fmt::format("{:.2f}{}", v, units[u]);
}

struct InspectOptions {
  std::string model;
  std::vector<std::string> dims;
  bool no_fuse = false;
};

// For every registered device, how many of the graph's nodes of each op it claims.
void print_device_support(const ir::Graph& g) {
  rt::DeviceRegistry& reg = rt::DeviceRegistry::global();
  const ir::GraphDesc desc(g, ir::ConstantAlignment::AsIs);  // queries only: no aligned copies
  std::map<std::string, std::map<std::string, std::pair<int, int>>> per_op;  // op -> dev -> (y, n)
  std::vector<std::string> devices;
  for (const std::string& name : reg.names()) {
    std::shared_ptr<rt::Device> dev;
    try {
      dev = reg.create(name);
    } catch (const Error& e) {
      fmt::print("device {}: unavailable: {}\n", name, e.what());
      continue;
    }
    devices.push_back(name);
    for (size_t id = 0; id < g.nodes().size(); ++id) {
      auto& cell = per_op[std::string(ir::op_name(g.nodes()[id].op))][name];
      (dev->supports(desc.get(), desc.desc_index(static_cast<ir::NodeId>(id))) ? cell.first
                                                                               : cell.second)++;
    }
  }
  fmt::print("device support (nodes claimed / nodes of that op):\n  {:<18}", "op");
  for (const std::string& d : devices) fmt::print(" {:>8}", d);
  fmt::print("\n");
  for (const auto& [op, by_dev] : per_op) {
    fmt::print("  {:<18}", op);
    for (const std::string& d : devices) {
      const auto it = by_dev.find(d);
      const auto [yes, no] = it == by_dev.end() ? std::pair<int, int>{0, 0} : it->second;
      fmt::print(" {:>8}", fmt::format("{}/{}", yes, yes + no));
    }
    fmt::print("\n");
  }
}

void run_inspect(const InspectOptions& o) {
  const onnx::OnnxModel model = rt::load_model(o.model);
  fmt::print("model {} (graph '{}', opset {}, producer '{}')\n", o.model, model.graph_name(),
             model.opset(), model.producer());
  const rt::ModelInputs inputs = rt::build_inputs(model, {}, rt::parse_dim_args(o.dims));
  fmt::print("inputs:\n");
  for (const auto& in : model.inputs()) {
    std::vector<std::string> d;
    for (const auto& dim : in.dims)
      d.push_back(dim.size >= 0 ? std::to_string(dim.size) : (dim.param.empty() ? "?" : dim.param));
    fmt::print("  {}: {}[{}] -> inspected as {}\n", in.name, dtype_name(in.dtype),
               fmt::join(d, ", "), shape_str(inputs.shapes.at(in.name)));
  }
  fmt::print("outputs: {}\n", fmt::join(model.outputs(), ", "));
  fmt::print("onnx ops ({} kinds):\n", model.op_histogram().size());
  for (const auto& [op, count] : model.op_histogram()) fmt::print("  {:<24} {:>6}\n", op, count);

  const ir::Graph g = model.specialize(inputs.shapes, {!o.no_fuse});
  std::map<std::string, std::pair<int64_t, int64_t>> per_op;  // count, flops
  int64_t total = 0;
  for (const ir::Node& n : g.nodes()) {
    auto& e = per_op[std::string(ir::op_name(n.op))];
    const auto f = static_cast<int64_t>(ir::node_flops(g, n));
    ++e.first;
    e.second += f;
    total += f;
  }
  fmt::print("graph IR ({}, {} nodes):\n", o.no_fuse ? "unfused" : "fused", g.nodes().size());
  fmt::print("  {:<24} {:>6} {:>12} {:>7}\n", "op", "count", "FLOPs", "share");
  for (const auto& [op, e] : per_op)
    fmt::print("  {:<24} {:>6} {:>12} {:>6.1f}%\n", op, e.first,
               human(static_cast<double>(e.second)),
               total ? 100.0 * static_cast<double>(e.second) / static_cast<double>(total) : 0.0);
  fmt::print("parameters: {} ({} bytes)\n", human(static_cast<double>(g.parameter_count())),
             human(static_cast<double>(g.constant_bytes())));
  fmt::print("FLOPs per run: {} (matmul-like ops exact, others one per output element)\n",
             human(static_cast<double>(total)));
  print_device_support(g);
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "summarize an ONNX model: ops, parameters, FLOPs");
  cmd->add_option("model", opts->model, "the .onnx file")->required();
  cmd->add_option("--dim", opts->dims,
                  "NAME=SIZE for a symbolic input dim (default 1; past/cache lengths 0)");
  cmd->add_flag("--no-fuse", opts->no_fuse, "show the graph as imported, without fusion");
  cmd->callback([opts] { run_inspect(*opts); });
}

}  // namespace nuri::cli
