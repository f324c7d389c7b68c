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
  // What run_bound() uses per slot: the own buffer, or a bound one. `imported` owns wrappers of
  // caller memory.
  std::vector<DeviceBuffer*> in_use, out_use;
  std::vector<std::unique_ptr<DeviceBuffer>> imported;
  // The slot runs on bound memory of its own device (the caller's buffer, or imported caller
  // memory): no copy in or out.
  bool in_direct(size_t i) const { return direct(in_use[i], *in_bufs[i]); }
  bool out_direct(size_t o) const { return direct(out_use[o], *out_bufs[o]); }
  static bool direct(const DeviceBuffer* use, const DeviceBuffer& own) {
    return use != &own && &use->device() == &own.device();
  }
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
  // The queries only check that constants have data, so it may stay unaligned.
  const ir::GraphDesc whole(graph_, ir::ConstantAlignment::AsIs);
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
    // Constants unaligned in a mapped ONNX file go as they lie to a device that reads them so;
    // any other gets aligned copies for its compile only.
    cp->desc = std::make_unique<ir::GraphDesc>(cp->graph, dev.accepts_unaligned_constants()
                                                              ? ir::ConstantAlignment::AsIs
                                                              : ir::ConstantAlignment::ElementSize);
    cp->exe = dev.compile(cp->desc->get());
    cp->desc->release_aligned_copies();
    // A device that only times its work gets virtual buffers (ABI 2.4): sizes, no storage.
    for (ir::ValueId v : cp->inputs) {
      const size_t bytes = graph_.value(v).type.nbytes();
      std::vector<std::byte>& host = cp->in_host.emplace_back();
      if (auto b = dev.alloc_virtual(bytes)) {
        cp->in_bufs.push_back(std::move(b));
      } else if (dev.can_import_host() && !options_.timing_only) {
        host.resize(bytes);
        cp->in_bufs.push_back(dev.import_host(host.data(), bytes));
      } else {  // timing only: a fresh allocation no one writes costs address space, not memory
        cp->in_bufs.push_back(dev.alloc(bytes));
      }
    }
    for (ir::ValueId v : cp->outputs) {
      const size_t bytes = graph_.value(v).type.nbytes();
      auto b = dev.alloc_virtual(bytes);
      cp->out_bufs.push_back(b ? std::move(b) : dev.alloc(bytes));
    }
    parts_.push_back(std::move(cp));
  }
  bound_in_.resize(graph_.inputs().size());
  bound_out_.resize(graph_.outputs().size());
  apply_bindings();
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
  const std::vector<std::pair<int, int>> produced = execute(host, false);
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
      DeviceBuffer& src = *parts_[p]->out_bufs[o];
      // A virtual buffer's device computed nothing: the output stays zeros.
      if (!src.is_virtual()) devices_[parts_[p]->device]->read(src, t.data(), t.nbytes());
    }
    outputs.push_back(std::move(t));
  }
  return outputs;
}

void Session::move_value(DeviceBuffer& src, DeviceBuffer& dst, uint64_t bytes,
                         std::vector<std::byte>& staging) {
  Device& from = src.device();
  Device& to = dst.device();
  if (&from != &to) transfer_bytes_last_ += bytes;  // counted alike whatever the path
  // A virtual buffer holds nothing: nothing lands in one, and one reads as zeros (the device
  // that produced it computed nothing).
  if (dst.is_virtual()) return;
  if (src.is_virtual()) {
    to.write(dst, zeros(bytes), bytes);
    return;
  }
  transfer(from, src, to, dst, bytes, staging);
}

std::vector<std::pair<int, int>> Session::execute(const std::vector<const TensorView*>& host,
                                                  bool bound) {
  // Where each value was last produced: (partition, output index).
  std::vector<std::pair<int, int>> produced(graph_.values().size(), {-1, -1});
  std::vector<std::byte> staging;
  transfer_bytes_last_ = 0;
  for (size_t p = 0; p < parts_.size(); ++p) {
    CompiledPartition& cp = *parts_[p];
    Device& dev = *devices_[cp.device];
    std::vector<DeviceBuffer*> ins;
    // Caller data for a virtual input, wrapped (or copied) for this run only.
    std::vector<std::unique_ptr<DeviceBuffer>> given;
    for (size_t i = 0; i < cp.inputs.size(); ++i) {
      const ir::ValueId v = cp.inputs[i];
      const size_t bytes = graph_.value(v).type.nbytes();
      DeviceBuffer& dst = *cp.in_bufs[i];
      ins.push_back(&dst);
      if (bound && cp.in_direct(i)) {  // the bound memory is the device's buffer
        ins.back() = cp.in_use[i];
        continue;
      }
      if (bound && cp.in_use[i] != &dst) {  // a bound buffer of another device
        move_value(*cp.in_use[i], dst, bytes, staging);
        continue;
      }
      if (host[v] && host[v]->data) {
        if (!dst.is_virtual()) {
          dev.write(dst, host[v]->data, bytes);
          continue;
        }
        // The device only times, but what it is given it may read (an Embedding's ids).
        if (auto imported = dev.import_host(const_cast<void*>(host[v]->data), bytes)) {
          given.push_back(std::move(imported));
        } else {
          given.push_back(dev.alloc(bytes));
          dev.write(*given.back(), host[v]->data, bytes);
        }
        ins.back() = given.back().get();
        continue;
      }
      if (host[v]) {  // timing only, no data given: a simulator ignores it, others read zeros
        if (!dev.properties().simulated && !dst.is_virtual()) dev.write(dst, zeros(bytes), bytes);
        continue;
      }
      const auto [src_part, src_out] = produced[v];
      if (src_part < 0)
        throw Error(fmt::format("session: value '{}' has no producer", graph_.value(v).name));
      CompiledPartition& sp = *parts_[src_part];
      move_value(bound ? *sp.out_use[src_out] : *sp.out_bufs[src_out], dst, bytes, staging);
    }
    std::vector<DeviceBuffer*> outs;
    for (size_t o = 0; o < cp.out_bufs.size(); ++o)
      outs.push_back(bound && cp.out_direct(o) ? cp.out_use[o] : cp.out_bufs[o].get());
    dev.execute(*cp.exe, ins, outs);
    for (size_t o = 0; o < cp.outputs.size(); ++o)
      produced[cp.outputs[o]] = {static_cast<int>(p), static_cast<int>(o)};
  }
  return produced;
}

namespace {
void check_binding(const char* what, const ir::Value& v, const Shape& shape, DType dtype) {
  if (dtype != v.type.dtype || shape != v.type.shape)
    throw Error(fmt::format("session: bind {} '{}': must be {}, got {}{}", what, v.name,
                            ir::type_str(v.type), dtype_name(dtype), shape_str(shape)),
                NURI_ERROR_INVALID_ARGUMENT);
}

const ir::Value& bound_value(const ir::Graph& g, const char* what, size_t i,
                             const std::vector<ir::ValueId>& ids) {
  if (i >= ids.size())
    throw Error(fmt::format("session: bind {} {}: graph '{}' has {} {}s", what, i, g.name(),
                            ids.size(), what),
                NURI_ERROR_INVALID_ARGUMENT);
  return g.value(ids[i]);
}

// Checks caller memory against graph value i of `ids` and returns it for a binding. Inputs are
// only read: the device gets the memory as a buffer it never writes.
void* checked_memory(const ir::Graph& g, const char* what, size_t i,
                     const std::vector<ir::ValueId>& ids, const TensorView& view) {
  const ir::Value& v = bound_value(g, what, i, ids);
  check_binding(what, v, view.shape, view.dtype);
  if (!view.data && v.type.nbytes())
    throw Error(fmt::format("session: bind {} '{}': no data", what, v.name),
                NURI_ERROR_INVALID_ARGUMENT);
  return const_cast<void*>(view.data);
}
}  // namespace

void Session::bind_input(size_t i, const TensorView& view) {
  bound_in_[i] = {checked_memory(graph_, "input", i, graph_.inputs(), view), nullptr};
  apply_bindings();
}

void Session::bind_output(size_t i, const TensorView& view) {
  bound_out_[i] = {checked_memory(graph_, "output", i, graph_.outputs(), view), nullptr};
  apply_bindings();
}

namespace {
void check_buffer(const char* what, const ir::Value& v, const DeviceBuffer& b) {
  if (b.size() < v.type.nbytes())
    throw Error(
        fmt::format("session: bind {} '{}': device buffer of {} bytes on {}, needs {} ({})", what,
                    v.name, b.size(), b.device().name(), v.type.nbytes(), ir::type_str(v.type)),
        NURI_ERROR_INVALID_ARGUMENT);
}
}  // namespace

void Session::bind_input(size_t i, DeviceBuffer& buffer) {
  check_buffer("input", bound_value(graph_, "input", i, graph_.inputs()), buffer);
  bound_in_[i] = {nullptr, &buffer};
  apply_bindings();
}

void Session::bind_output(size_t i, DeviceBuffer& buffer) {
  check_buffer("output", bound_value(graph_, "output", i, graph_.outputs()), buffer);
  bound_out_[i] = {nullptr, &buffer};
  apply_bindings();
}

void Session::unbind_all() {
  std::fill(bound_in_.begin(), bound_in_.end(), Binding{});
  std::fill(bound_out_.begin(), bound_out_.end(), Binding{});
  apply_bindings();
}

void Session::apply_bindings() {
  std::map<ir::ValueId, const Binding*> by_value;
  for (size_t i = 0; i < bound_in_.size(); ++i)
    if (bound_in_[i].bound()) by_value[graph_.inputs()[i]] = &bound_in_[i];
  std::map<ir::ValueId, const Binding*> out_by_value;
  for (size_t i = 0; i < bound_out_.size(); ++i)
    if (bound_out_[i].bound()) out_by_value[graph_.outputs()[i]] = &bound_out_[i];
  // One slot's buffer for a binding: the caller's buffer (on any device: one not of this
  // device is copied per run), imported caller memory where the device imports it, else its
  // own buffer (copied per run).
  const auto take = [](Device& dev, const std::map<ir::ValueId, const Binding*>& bindings,
                       ir::ValueId v, size_t bytes, DeviceBuffer* own,
                       CompiledPartition& cp) -> DeviceBuffer* {
    const auto it = bindings.find(v);
    if (it == bindings.end()) return own;
    const Binding& b = *it->second;
    if (b.buffer) return b.buffer;
    if (!dev.can_import_host() || !bytes) return own;
    cp.imported.push_back(dev.import_host(b.host, bytes));
    return cp.imported.back().get();
  };
  for (auto& cpp : parts_) {
    CompiledPartition& cp = *cpp;
    Device& dev = *devices_[cp.device];
    cp.imported.clear();
    cp.in_use.clear();
    cp.out_use.clear();
    for (size_t i = 0; i < cp.inputs.size(); ++i)
      cp.in_use.push_back(take(dev, by_value, cp.inputs[i],
                               graph_.value(cp.inputs[i]).type.nbytes(), cp.in_bufs[i].get(), cp));
    for (size_t o = 0; o < cp.outputs.size(); ++o)
      cp.out_use.push_back(take(dev, out_by_value, cp.outputs[o],
                                graph_.value(cp.outputs[o]).type.nbytes(), cp.out_bufs[o].get(),
                                cp));
  }
}

void Session::run_bound() {
  const auto& gin = graph_.inputs();
  std::vector<TensorView> views(gin.size());
  std::vector<const TensorView*> host(graph_.values().size(), nullptr);
  for (size_t i = 0; i < gin.size(); ++i) {
    const ir::Value& v = graph_.value(gin[i]);
    if (!bound_in_[i].bound())
      throw Error(fmt::format("session: run_bound: input '{}' is not bound", v.name),
                  NURI_ERROR_INVALID_ARGUMENT);
    views[i] = {v.type.dtype, v.type.shape, bound_in_[i].host};
    if (bound_in_[i].host) host[gin[i]] = &views[i];
  }
  for (size_t o = 0; o < bound_out_.size(); ++o)
    if (!bound_out_[o].bound())
      throw Error(fmt::format("session: run_bound: output '{}' is not bound",
                              graph_.value(graph_.outputs()[o]).name),
                  NURI_ERROR_INVALID_ARGUMENT);
  const std::vector<std::pair<int, int>> produced = execute(host, true);
  std::vector<std::byte> staging;
  for (size_t o = 0; o < bound_out_.size(); ++o) {
    const ir::ValueId id = graph_.outputs()[o];
    const ir::Value& v = graph_.value(id);
    const Binding& b = bound_out_[o];
    const size_t bytes = v.type.nbytes();
    if (options_.timing_only || !bytes) continue;
    const auto [p, out] = produced[id];
    if (p >= 0) {
      CompiledPartition& cp = *parts_[p];
      if (cp.out_direct(out)) continue;  // written in place
      DeviceBuffer& src = *cp.out_bufs[out];
      if (src.is_virtual()) continue;  // its device computed nothing: the memory is left as is
      if (b.buffer)
        transfer(src.device(), src, b.buffer->device(), *b.buffer, bytes, staging);
      else
        devices_[cp.device]->read(src, b.host, bytes);
      continue;
    }
    // A graph input or constant passed straight through.
    const void* from = nullptr;
    for (size_t i = 0; i < gin.size(); ++i)
      if (gin[i] == id) from = bound_in_[i].host;
    if (!from && v.kind == ir::ValueKind::Constant && v.data) from = v.data->data();
    if (!from)
      throw Error(fmt::format("session: run_bound: output '{}' passes through a device-buffer "
                              "input; bind it to host memory",
                              v.name),
                  NURI_ERROR_INVALID_ARGUMENT);
    if (b.buffer)
      b.buffer->device().write(*b.buffer, from, bytes);
    else if (b.host != from)
      std::memcpy(b.host, from, bytes);
  }
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
