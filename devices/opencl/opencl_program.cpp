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

std::unique_ptr<PendingRun> OpenClProgram::enqueue(std::span<const void* const> inputs,
                                                   std::span<void* const> outputs) {
  const cl_command_queue q = lib_->ctx().queue.get();
  std::unique_ptr<PendingRun> run(new PendingRun(*this));
  run->started_ = std::chrono::steady_clock::now();
  const auto keep = [&](cl_event e, std::string label) {
    run->events_.emplace_back(e);
    run->labels_.push_back(std::move(label));
  };
  for (size_t i = 0; i < graph_.inputs().size(); ++i) {
    const ir::Value& v = graph_.value(graph_.inputs()[i]);
    if (!v.type.nbytes()) continue;
    cl_event e = nullptr;
    check(clEnqueueWriteBuffer(q, mems_.at(graph_.inputs()[i]), CL_FALSE, 0, v.type.nbytes(),
                               inputs[i], 0, nullptr, &e),
          "clEnqueueWriteBuffer");
    keep(e, fmt::format("write of input '{}'", v.name));
    ++run->writes_;
  }
  for (const auto& [flag, what] : error_flags_) {
    static const int zero = 0;
    check(clEnqueueWriteBuffer(q, flag, CL_FALSE, 0, sizeof(int), &zero, 0, nullptr, nullptr),
          "clEnqueueWriteBuffer (error flag)");
  }
  for (const Launch& l : launches_) {
    const std::string label = fmt::format("node '{}' ({})", steps_[l.step].node, steps_[l.step].op);
    cl_event e = nullptr;
    check(clEnqueueNDRangeKernel(q, l.kernel.get(), l.dims, nullptr, l.global,
                                 l.has_local ? l.local : nullptr, 0, nullptr, &e),
          fmt::format("clEnqueueNDRangeKernel for {}", label).c_str());
    keep(e, label);
    run->kernel_steps_.push_back(l.step);
    ++run->kernels_;
  }
  for (size_t i = 0; i < graph_.outputs().size(); ++i) {
    const ir::Value& v = graph_.value(graph_.outputs()[i]);
    if (!v.type.nbytes()) continue;
    cl_event e = nullptr;
    check(clEnqueueReadBuffer(q, mems_.at(graph_.outputs()[i]), CL_FALSE, 0, v.type.nbytes(),
                              outputs[i], 0, nullptr, &e),
          "clEnqueueReadBuffer");
    keep(e, fmt::format("read of output '{}'", v.name));
    ++run->reads_;
  }
  run->flags_ = std::make_unique<int[]>(error_flags_.size());
  for (size_t i = 0; i < error_flags_.size(); ++i) {
    cl_event e = nullptr;
    check(clEnqueueReadBuffer(q, error_flags_[i].first, CL_FALSE, 0, sizeof(int), &run->flags_[i],
                              0, nullptr, &e),
          "clEnqueueReadBuffer (error flag)");
    keep(e, "read of a fault flag");
  }
  // Submit now: a driver may hold commands until a flush.
  check(clFlush(q), "clFlush");
  return run;
}

void OpenClProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  enqueue(inputs, outputs)->wait();
}

PendingRun::~PendingRun() {
  // The reads target the caller's memory: never leave them running.
  std::vector<cl_event> all;
  for (const ClEvent& e : events_) all.push_back(e.get());
  if (!finished_ && !all.empty()) clWaitForEvents(static_cast<cl_uint>(all.size()), all.data());
}

bool PendingRun::complete() {
  if (!finished_) {
    // An in-order queue: the last command done means all are (or one failed: finish() says).
    if (!events_.empty()) {
      cl_int status = CL_COMPLETE;
      check(clGetEventInfo(events_.back().get(), CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(status),
                           &status, nullptr),
            "clGetEventInfo (CL_EVENT_COMMAND_EXECUTION_STATUS)");
      if (status > CL_COMPLETE) return false;  // queued, submitted or running
    }
    finish();
  }
  return error_.empty();
}

void PendingRun::wait() {
  if (!finished_) {
    std::vector<cl_event> all;
    for (const ClEvent& e : events_) all.push_back(e.get());
    // On failure the statuses below name the command; the wait's own code is only a summary.
    if (!all.empty()) clWaitForEvents(static_cast<cl_uint>(all.size()), all.data());
    finish();
  }
  if (!error_.empty()) throw Error(error_, error_status_);
}

void PendingRun::finish() {
  finished_ = true;
  for (size_t i = 0; i < events_.size() && error_.empty(); ++i) {
    cl_int status = CL_COMPLETE;
    const cl_int err = clGetEventInfo(events_[i].get(), CL_EVENT_COMMAND_EXECUTION_STATUS,
                                      sizeof(status), &status, nullptr);
    if (err != CL_SUCCESS)
      error_ = fmt::format("opencl: partition '{}': asking the status of the {} failed: {}",
                           program_.graph_.name(), labels_[i], cl_error_name(err));
    else if (status < 0)
      error_ = fmt::format("opencl: partition '{}': the {} failed on the device: {}",
                           program_.graph_.name(), labels_[i], cl_error_name(status));
  }
  if (!error_.empty()) return;
  for (size_t i = 0; i < program_.error_flags_.size(); ++i)
    if (flags_[i]) {
      error_ = "opencl: " + program_.error_flags_[i].second;
      error_status_ = NURI_ERROR_INVALID_ARGUMENT;  // bad input data, as the flag's kernel saw
      return;
    }
  RunProfile& p = program_.profile_;
  for (size_t i = 0; i < writes_; ++i) p.write_ns += event_ns(events_[i].get());
  for (size_t i = 0; i < kernels_; ++i) {
    const double ns = event_ns(events_[writes_ + i].get());
    p.kernel_ns += ns;
    program_.steps_[kernel_steps_[i]].device_ns += ns;
  }
  for (size_t i = 0; i < reads_; ++i) p.read_ns += event_ns(events_[writes_ + kernels_ + i].get());
  ++p.runs;
  p.last_run_ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - started_).count();
}

}  // namespace nuri::opencl
