#include "runtime/session.h"

#include <fmt/format.h>

#include <cstring>
#include <sstream>

#include "compiler/ir/verifier.h"
#include "compiler/passes/pipeline.h"
#include "runtime/transfer.h"

namespace nuri::rt {

std::vector<std::string> split_list(const std::string& list, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

// One partition compiled on its device, with its buffers allocated once.
struct Session::CompiledPartition {
  int device = 0;
  ir::Graph graph;
  std::unique_ptr<ir::GraphDesc> desc;
  std::unique_ptr<DeviceExecutable> exe;
  std::vector<ir::ValueId> inputs;   // ids in the session graph
  std::vector<ir::ValueId> outputs;  // ids in the session graph
  // Host memory behind input buffers of devices that import it (declared before the buffers,
  // so it outlives them): a value from another device is read straight into it, one copy.
  std::vector<std::vector<std::byte>> in_host;
  std::vector<std::unique_ptr<DeviceBuffer>> in_bufs, out_bufs;
};

Session::~Session() = default;

Session::Session(ir::Graph graph, SessionOptions options, DeviceRegistry& registry)
    : graph_(std::move(graph)), options_(std::move(options)) {
  ir::verify(graph_);
  if (options_.fuse) ir::session_pipeline().run(graph_);
  std::vector<std::string> names = options_.devices;
  if (names.empty()) throw Error("session: no devices given");
  // The fallback device goes last; the reference device stands in where no cpu is built.
  std::string fallback = options_.fallback_device;
  if (!fallback.empty() && !registry.has(fallback)) fallback = "ref";
  if (!options_.strict && !fallback.empty() &&
      std::find(names.begin(), names.end(), fallback) == names.end())
    names.push_back(fallback);
  for (const std::string& n : names) {
    auto it = options_.device_options.find(n);
    devices_.push_back(registry.create(n, it == options_.device_options.end() ? "" : it->second));
  }
  // Place: ask each device about each node of the whole graph.
  const ir::GraphDesc whole(graph_);
  std::vector<ir::PartitionTarget> targets;
  // Placement rules: the ruled device takes the op wherever it claims it; elsewhere (pim and
  // a prefill's attention) every device may, by the policy.
  std::map<std::string, Device*> ruled;
  for (const auto& [op, device] : options_.op_rules) {
    if (!ir::parse_op(op))
      throw Error(
          fmt::format("session: placement rule {} -> {}: no op named '{}'", op, device, op));
    auto it = std::find(names.begin(), names.end(), device);
    if (it == names.end())
      throw Error(
          fmt::format("session: placement rule {} -> {}: '{}' is not among the devices ({})", op,
                      device, device, fmt::join(names, ",")));
    ruled[op] = devices_[static_cast<size_t>(it - names.begin())].get();
  }
  for (auto& dev : devices_) {
    Device* d = dev.get();
    targets.push_back({d->name(),
                       [d, &whole, &ruled, this](ir::NodeId id) {
                         const size_t node = whole.desc_index(id);
                         auto r = ruled.find(std::string(ir::op_name(graph_.node(id).op)));
                         if (r != ruled.end() && r->second != d &&
                             r->second->query_op(whole.get(), node).supported)
                           return ir::Capability{false, fmt::format("placement rule puts {} on {}",
                                                                    r->first, r->second->name())};
                         const OpSupport s = d->query_op(whole.get(), node);
                         return ir::Capability{s.supported, s.reason};
                       },
                       [d, &whole](ir::NodeId id) {
                         return d->estimate_cost(whole.get(), whole.desc_index(id));
                       }});
  }
  ir::PartitionOptions placement;
  placement.strict = options_.strict;
  placement.policy = options_.placement_policy;
  if (options_.transfer_bytes_per_s > 0)
    placement.transfer_bytes_per_s = options_.transfer_bytes_per_s;
  plan_ = ir::partition_graph(graph_, targets, placement);
  // Compile each partition once and allocate its buffers.
  for (size_t p = 0; p < plan_.partitions.size(); ++p) {
    const ir::Partition& part = plan_.partitions[p];
    auto cp = std::make_unique<CompiledPartition>();
    cp->device = part.target;
    Device& dev = *devices_[part.target];
    cp->graph = ir::extract_partition(graph_, part.nodes,
                                      fmt::format("{}.part{}.{}", graph_.name(), p, dev.name()));
    for (ir::ValueId v : cp->graph.inputs())
      cp->inputs.push_back(*graph_.find_value(cp->graph.value(v).name));
    for (ir::ValueId v : cp->graph.outputs())
      cp->outputs.push_back(*graph_.find_value(cp->graph.value(v).name));
    cp->desc = std::make_unique<ir::GraphDesc>(cp->graph);
    cp->exe = dev.compile(cp->desc->get());
    for (ir::ValueId v : cp->inputs) {
      const size_t bytes = graph_.value(v).type.nbytes();
      std::vector<std::byte>& host = cp->in_host.emplace_back();
      // Timing only: a fresh allocation no one writes costs address space, not memory.
      if (dev.can_import_host() && !options_.timing_only) {
        host.resize(bytes);
        cp->in_bufs.push_back(dev.import_host(host.data(), bytes));
      } else {
        cp->in_bufs.push_back(dev.alloc(bytes));
      }
    }
    for (ir::ValueId v : cp->outputs)
      cp->out_bufs.push_back(dev.alloc(graph_.value(v).type.nbytes()));
    parts_.push_back(std::move(cp));
  }
}

const void* Session::zeros(size_t bytes) {
  if (bytes > zeros_bytes_) {
    // calloc: pages of zeros the kernel maps on first read, so a large one costs no memory.
    zeros_.reset(static_cast<std::byte*>(std::calloc(bytes, 1)));
    if (!zeros_) throw Error(fmt::format("session: cannot allocate {} bytes of zeros", bytes));
    zeros_bytes_ = bytes;
  }
  return zeros_.get();
}

std::vector<TensorView> views_of(const std::vector<Tensor>& tensors) {
  std::vector<TensorView> views;
  for (const Tensor& t : tensors) views.push_back({t.dtype(), t.shape(), t.data()});
  return views;
}

std::vector<Tensor> Session::run(const std::vector<Tensor>& inputs) {
  return run(views_of(inputs));
}

std::vector<Tensor> Session::run(const std::vector<TensorView>& inputs) {
  const auto& gin = graph_.inputs();
  if (inputs.size() != gin.size())
    throw Error(fmt::format("graph '{}' takes {} inputs, got {}", graph_.name(), gin.size(),
                            inputs.size()));
  std::vector<const TensorView*> host(graph_.values().size(), nullptr);
  for (size_t i = 0; i < gin.size(); ++i) {
    const ir::Value& v = graph_.value(gin[i]);
    if (inputs[i].dtype != v.type.dtype || inputs[i].shape != v.type.shape)
      throw Error(fmt::format("input '{}' must be {}, got {}{}", v.name, ir::type_str(v.type),
                              dtype_name(inputs[i].dtype), shape_str(inputs[i].shape)));
    if (!inputs[i].data && v.type.nbytes() && !options_.timing_only)
      throw Error(fmt::format("input '{}' has no data", v.name));
    host[gin[i]] = &inputs[i];
  }
  // Where each value was last produced: (partition, output index).
  std::vector<std::pair<int, int>> produced(graph_.values().size(), {-1, -1});
  std::vector<std::byte> staging;
  transfer_bytes_last_ = 0;
  for (size_t p = 0; p < parts_.size(); ++p) {
    CompiledPartition& cp = *parts_[p];
    Device& dev = *devices_[cp.device];
    for (size_t i = 0; i < cp.inputs.size(); ++i) {
      const ir::ValueId v = cp.inputs[i];
      const size_t bytes = graph_.value(v).type.nbytes();
      DeviceBuffer& dst = *cp.in_bufs[i];
      if (host[v] && host[v]->data) {
        dev.write(dst, host[v]->data, bytes);
        continue;
      }
      if (host[v]) {  // timing only, no data given: a simulator ignores it, others read zeros
        if (!dev.properties().simulated) dev.write(dst, zeros(bytes), bytes);
        continue;
      }
      const auto [src_part, src_out] = produced[v];
      if (src_part < 0)
        throw Error(fmt::format("session: value '{}' has no producer", graph_.value(v).name));
      CompiledPartition& sp = *parts_[src_part];
      DeviceBuffer& src = *sp.out_bufs[src_out];
      const TransferPath path = transfer(*devices_[sp.device], src, dev, dst, bytes, staging);
      if (path != TransferPath::SameDevice) transfer_bytes_last_ += bytes;
    }
    std::vector<DeviceBuffer*> ins, outs;
    for (auto& b : cp.in_bufs) ins.push_back(b.get());
    for (auto& b : cp.out_bufs) outs.push_back(b.get());
    dev.execute(*cp.exe, ins, outs);
    for (size_t o = 0; o < cp.outputs.size(); ++o)
      produced[cp.outputs[o]] = {static_cast<int>(p), static_cast<int>(o)};
  }
  std::vector<Tensor> outputs;
  for (ir::ValueId id : graph_.outputs()) {
    const ir::Value& v = graph_.value(id);
    Tensor t(v.type.dtype, v.type.shape);  // calloc'd: untouched pages cost no memory
    if (options_.timing_only) {
      // Nothing was computed: leave the zeros.
    } else if (host[id]) {
      std::memcpy(t.data(), host[id]->data, t.nbytes());
    } else if (v.kind == ir::ValueKind::Constant && v.data) {
      std::memcpy(t.data(), v.data->data(), t.nbytes());
    } else {
      const auto [p, o] = produced[id];
      devices_[parts_[p]->device]->read(*parts_[p]->out_bufs[o], t.data(), t.nbytes());
    }
    outputs.push_back(std::move(t));
  }
  return outputs;
}

std::string Session::placement_report() const {
  std::string out = fmt::format(
      "placement of '{}': {} nodes in {} partitions, {} cross-device "
      "transfers ({:.1f} KiB per run)\n",
      graph_.name(), graph_.nodes().size(), plan_.partitions.size(), plan_.transfers,
      plan_.transfer_bytes / 1024.0);
  for (size_t p = 0; p < plan_.partitions.size(); ++p) {
    const ir::Partition& part = plan_.partitions[p];
    out += fmt::format("  partition {} on {} ({} nodes)\n", p, devices_[part.target]->name(),
                       part.nodes.size());
    for (ir::NodeId id : part.nodes) {
      const ir::Node& n = graph_.node(id);
      out += fmt::format("    {:<28} {:<16} {:<6} {}\n", n.name, ir::op_name(n.op),
                         devices_[part.target]->name(), plan_.reason_of_node[id]);
    }
  }
  return out;
}

std::vector<std::string> Session::devices_used() const {
  std::vector<std::string> used;
  for (const auto& part : plan_.partitions) {
    const std::string& n = devices_[part.target]->name();
    if (std::find(used.begin(), used.end(), n) == used.end()) used.push_back(n);
  }
  return used;
}

std::vector<PartitionStats> Session::last_stats() {
  std::vector<PartitionStats> out;
  for (auto& cp : parts_)
    out.push_back({devices_[cp->device]->name(), cp->graph.nodes().size(),
                   devices_[cp->device]->stats(*cp->exe)});
  return out;
}

const ir::Graph& Session::partition_graph(size_t p) const {
  return parts_.at(p)->graph;
}
Device& Session::partition_device(size_t p) const {
  return *devices_[parts_.at(p)->device];
}
const std::vector<ir::ValueId>& Session::partition_inputs(size_t p) const {
  return parts_.at(p)->inputs;
}
const std::vector<ir::ValueId>& Session::partition_outputs(size_t p) const {
  return parts_.at(p)->outputs;
}
nuri_exec_stats Session::partition_stats(size_t p) {
  return partition_device(p).stats(*parts_.at(p)->exe);
}

bool Session::write_partition_report(size_t p, const std::string& report,
                                     const std::string& trace) {
  Device& dev = partition_device(p);
  if (!dev.can_write_reports()) return false;
  try {
    dev.write_report(*parts_.at(p)->exe, report.empty() ? nullptr : report.c_str(),
                     trace.empty() ? nullptr : trace.c_str());
  } catch (const Error& e) {
    if (e.status() == NURI_ERROR_UNSUPPORTED) return false;  // e.g. cpu and ref write no reports
    throw;
  }
  return true;
}

std::vector<std::string> Session::write_reports(const std::string& report_stem,
                                                const std::string& trace_stem) {
  std::vector<std::string> written;
  if (report_stem.empty() && trace_stem.empty()) return written;
  for (size_t p = 0; p < parts_.size(); ++p) {
    const std::string suffix = fmt::format(".{}.{}.json", p, partition_device(p).name());
    const std::string report = report_stem.empty() ? "" : report_stem + suffix;
    const std::string trace = trace_stem.empty() ? "" : trace_stem + suffix;
    if (!write_partition_report(p, report, trace)) continue;
    if (!report.empty()) written.push_back(report);
    if (!trace.empty()) written.push_back(trace);
  }
  return written;
}

}  // namespace nuri::rt
