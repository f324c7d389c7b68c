#include "devices/opencl/opencl_program.h"

#include <fmt/format.h>

#include "compiler/ir/op.h"
#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::opencl {
namespace {

double event_ns(cl_event e) {
  cl_ulong start = 0, end = 0;
  check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof(start), &start, nullptr),
        "clGetEventProfilingInfo");
  check(clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof(end), &end, nullptr),
        "clGetEventProfilingInfo");
  return static_cast<double>(end - start);
}

}  // namespace

OpenClProgram::OpenClProgram(ir::Graph graph, std::shared_ptr<const KernelLibrary> lib)
    : graph_(std::move(graph)), lib_(std::move(lib)) {
  ir::verify(graph_);
  allocate_values();
  for (ir::NodeId id : graph_.topo_order()) {
    const ir::Node& n = graph_.node(id);
    steps_.push_back({n.name, std::string(ir::op_name(n.op)), 0, 0});
    lower_node(*this, id, steps_.size() - 1);
  }
  for (const Launch& l : launches_) ++steps_[l.step].launches;
}

void OpenClProgram::allocate_values() {
  const cl_context ctx = lib_->ctx().context.get();
  // Reshape-like nodes alias their input: same bytes, new shape.
  std::map<ir::ValueId, ir::ValueId> alias;
  for (ir::NodeId id : graph_.topo_order()) {
    const ir::Node& n = graph_.node(id);
    if (ir::is_reshape_like(n.op)) alias[n.outputs[0]] = n.inputs[0];
  }
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(graph_.values().size()); ++v) {
    if (alias.count(v)) continue;
    const ir::Value& val = graph_.value(v);
    if (val.kind == ir::ValueKind::Constant && !val.data)
      throw Error(fmt::format("opencl: constant '{}' has no data", val.name));
    const size_t bytes = std::max<size_t>(val.type.nbytes(), 4);  // CL forbids empty buffers
    cl_int err = CL_SUCCESS;
    const bool constant = val.kind == ir::ValueKind::Constant && val.type.nbytes() > 0;
    cl_mem m =
        clCreateBuffer(ctx, constant ? CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR : CL_MEM_READ_WRITE,
                       bytes, constant ? const_cast<void*>(val.data->data()) : nullptr, &err);
    check(err, fmt::format("clCreateBuffer for '{}' ({} bytes)", val.name, bytes).c_str());
    owned_.emplace_back(m);
    mems_[v] = m;
  }
  for (ir::NodeId id : graph_.topo_order()) {  // in order, so chains of aliases resolve
    const ir::Node& n = graph_.node(id);
    if (ir::is_reshape_like(n.op)) mems_[n.outputs[0]] = mems_.at(n.inputs[0]);
  }
}

cl_mem OpenClProgram::scratch(size_t bytes) {
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(lib_->ctx().context.get(), CL_MEM_READ_WRITE,
                            std::max<size_t>(bytes, 4), nullptr, &err);
  check(err, "clCreateBuffer (scratch)");
  owned_.emplace_back(m);
  return m;
}

cl_mem OpenClProgram::constant_ints(const std::vector<int>& values) {
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(lib_->ctx().context.get(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                            values.size() * sizeof(int), const_cast<int*>(values.data()), &err);
  check(err, "clCreateBuffer (launch parameters)");
  owned_.emplace_back(m);
  return m;
}

cl_mem OpenClProgram::error_flag(const std::string& what) {
  const std::vector<int> zero{0};
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(lib_->ctx().context.get(), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                            sizeof(int), const_cast<int*>(zero.data()), &err);
  check(err, "clCreateBuffer (error flag)");
  owned_.emplace_back(m);
  error_flags_.emplace_back(m, what);
  return m;
}

Launch& OpenClProgram::add_launch(const char* kernel_name, size_t step) {
  launches_.emplace_back();
  launches_.back().kernel = lib_->kernel(kernel_name);
  launches_.back().step = step;
  return launches_.back();
}

uint64_t OpenClProgram::bytes_moved_per_run() const {
  uint64_t bytes = 0;
  for (ir::ValueId v : graph_.inputs()) bytes += graph_.value(v).type.nbytes();
  for (ir::ValueId v : graph_.outputs()) bytes += graph_.value(v).type.nbytes();
  return bytes;
}

void OpenClProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  const cl_command_queue q = lib_->ctx().queue.get();
  std::vector<ClEvent> writes, kernels, reads;
  for (size_t i = 0; i < graph_.inputs().size(); ++i) {
    const ir::ValueId v = graph_.inputs()[i];
    const size_t bytes = graph_.value(v).type.nbytes();
    if (!bytes) continue;
    cl_event e = nullptr;
    check(clEnqueueWriteBuffer(q, mems_.at(v), CL_FALSE, 0, bytes, inputs[i], 0, nullptr, &e),
          "clEnqueueWriteBuffer");
    writes.emplace_back(e);
  }
  for (const auto& [flag, what] : error_flags_) {
    static const int zero = 0;
    check(clEnqueueWriteBuffer(q, flag, CL_FALSE, 0, sizeof(int), &zero, 0, nullptr, nullptr),
          "clEnqueueWriteBuffer (error flag)");
  }
  for (const Launch& l : launches_) {
    cl_event e = nullptr;
    check(clEnqueueNDRangeKernel(q, l.kernel.get(), l.dims, nullptr, l.global,
                                 l.has_local ? l.local : nullptr, 0, nullptr, &e),
          fmt::format("clEnqueueNDRangeKernel for node '{}'", steps_[l.step].node).c_str());
    kernels.emplace_back(e);
  }
  for (size_t i = 0; i < graph_.outputs().size(); ++i) {
    const ir::ValueId v = graph_.outputs()[i];
    const size_t bytes = graph_.value(v).type.nbytes();
    if (!bytes) continue;
    cl_event e = nullptr;
    check(clEnqueueReadBuffer(q, mems_.at(v), CL_FALSE, 0, bytes, outputs[i], 0, nullptr, &e),
          "clEnqueueReadBuffer");
    reads.emplace_back(e);
  }
  std::vector<int> flags(error_flags_.size(), 0);
  for (size_t i = 0; i < error_flags_.size(); ++i)
    check(clEnqueueReadBuffer(q, error_flags_[i].first, CL_FALSE, 0, sizeof(int), &flags[i], 0,
                              nullptr, nullptr),
          "clEnqueueReadBuffer (error flag)");
  check(clFinish(q), "clFinish");
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i]) throw Error("opencl: " + error_flags_[i].second);

  for (const ClEvent& e : writes) profile_.write_ns += event_ns(e.get());
  for (size_t i = 0; i < kernels.size(); ++i) {
    const double ns = event_ns(kernels[i].get());
    profile_.kernel_ns += ns;
    steps_[launches_[i].step].device_ns += ns;
  }
  for (const ClEvent& e : reads) profile_.read_ns += event_ns(e.get());
  ++profile_.runs;
}

}  // namespace nuri::opencl
