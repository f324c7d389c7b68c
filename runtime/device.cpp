#include "runtime/device.h"

#include <fmt/format.h>

namespace nuri::rt {
namespace {

nuri_error fresh_error() {
  nuri_error e{};
  e.struct_size = sizeof(e);
  return e;
}

}  // namespace

DeviceBuffer::~DeviceBuffer() {
  device_->api().buffer_release(device_->impl(), impl_);
}
DeviceExecutable::~DeviceExecutable() {
  device_->api().executable_release(device_->impl(), impl_);
}

Device::Device(std::shared_ptr<const nuri_device_api> api, nuri_device_impl* impl,
               std::string origin)
    : api_(std::move(api)), impl_(impl), origin_(std::move(origin)) {
  props_.struct_size = sizeof(props_);
  nuri_error err = fresh_error();
  name_ = api_->plugin_name ? api_->plugin_name : "?";
  try {
    check(api_->device_get_properties(impl_, &props_, &err), err, "get_properties");
  } catch (...) {
    api_->device_release(impl_);
    throw;
  }
  if (props_.name) name_ = props_.name;
}

Device::~Device() {
  api_->device_release(impl_);
}

std::string Device::kind_name() const {
  switch (props_.kind) {
    case NURI_DEVICE_KIND_CPU:
      return "cpu";
    case NURI_DEVICE_KIND_GPU:
      return "gpu";
    case NURI_DEVICE_KIND_NPU:
      return "npu";
    case NURI_DEVICE_KIND_PIM:
      return "pim";
    default:
      return "other";
  }
}

void Device::check(nuri_status status, const nuri_error& err, const char* call) const {
  if (status == NURI_OK) return;
  throw Error(fmt::format("device '{}' ({}): {} failed: {}", name_, origin_, call,
                          err.message[0] ? err.message : "no message"),
              status);
}

OpSupport Device::query_op(const nuri_graph_desc* graph, size_t node) {
  char reason[512] = "";
  nuri_op_query_args args{};
  args.struct_size = sizeof(args);
  args.graph = graph;
  args.node = node;
  args.reason = reason;
  args.reason_bytes = sizeof(reason);
  nuri_error err = fresh_error();
  const nuri_status status = api_->device_query_op(impl_, &args, &err);
  reason[sizeof(reason) - 1] = '\0';
  if (status != NURI_OK)
    return {false, fmt::format("capability query failed: {}",
                               err.message[0] ? err.message : "no message")};
  return {args.supported != 0, reason};
}

std::optional<double> Device::estimate_cost(const nuri_graph_desc* graph, size_t node) {
  if (!api_->device_estimate_op) return std::nullopt;
  nuri_op_cost_args args{};
  args.struct_size = sizeof(args);
  args.graph = graph;
  args.node = node;
  nuri_error err = fresh_error();
  if (api_->device_estimate_op(impl_, &args, &err) != NURI_OK) return std::nullopt;
  return args.seconds;
}

std::unique_ptr<DeviceBuffer> Device::alloc(uint64_t bytes) {
  nuri_error err = fresh_error();
  nuri_buffer_impl* b = nullptr;
  check(api_->buffer_alloc(impl_, bytes, &b, &err), err, "buffer_alloc");
  return std::make_unique<DeviceBuffer>(shared_from_this(), b, bytes);
}

std::unique_ptr<DeviceBuffer> Device::alloc_virtual(uint64_t bytes) {
  if (!api_->buffer_alloc_virtual) return nullptr;
  nuri_buffer_virtual_args args{};
  args.struct_size = sizeof(args);
  args.bytes = bytes;
  nuri_error err = fresh_error();
  const nuri_status status = api_->buffer_alloc_virtual(impl_, &args, &err);
  if (status == NURI_ERROR_UNSUPPORTED) return nullptr;  // the device computes: real bytes
  check(status, err, "buffer_alloc_virtual");
  return std::make_unique<DeviceBuffer>(shared_from_this(), args.buffer, bytes, true);
}

std::unique_ptr<DeviceBuffer> Device::import_host(void* data, uint64_t bytes) {
  if (!api_->buffer_import_host) return nullptr;
  nuri_buffer_import_args args{};
  args.struct_size = sizeof(args);
  args.host_data = data;
  args.bytes = bytes;
  nuri_error err = fresh_error();
  check(api_->buffer_import_host(impl_, &args, &err), err, "buffer_import_host");
  return std::make_unique<DeviceBuffer>(shared_from_this(), args.buffer, bytes);
}

void Device::write(DeviceBuffer& buf, const void* src, uint64_t bytes) {
  nuri_error err = fresh_error();
  check(api_->buffer_write(impl_, buf.impl(), 0, src, bytes, &err), err, "buffer_write");
}

void Device::read(DeviceBuffer& buf, void* dst, uint64_t bytes) {
  nuri_error err = fresh_error();
  check(api_->buffer_read(impl_, buf.impl(), 0, dst, bytes, &err), err, "buffer_read");
}

void Device::copy(DeviceBuffer& src, DeviceBuffer& dst, uint64_t bytes) {
  nuri_error err = fresh_error();
  check(api_->buffer_copy(impl_, src.impl(), dst.impl(), bytes, &err), err, "buffer_copy");
}

void* Device::host_pointer(DeviceBuffer& buf) {
  if (!api_->buffer_get_host_pointer) return nullptr;
  nuri_buffer_host_pointer_args args{};
  args.struct_size = sizeof(args);
  args.buffer = buf.impl();
  nuri_error err = fresh_error();
  check(api_->buffer_get_host_pointer(impl_, &args, &err), err, "buffer_get_host_pointer");
  return args.host_data;
}

bool Device::copy_from_peer(Device& src_device, DeviceBuffer& src, DeviceBuffer& dst,
                            uint64_t bytes) {
  // Peers share the entry itself: the same plugin build, so each may read the other's handles.
  const auto peer_copy = api_->buffer_copy_peer;
  if (!peer_copy || &src_device == this || src_device.api().buffer_copy_peer != peer_copy)
    return false;
  nuri_buffer_copy_peer_args args{};
  args.struct_size = sizeof(args);
  args.src_device = src_device.impl();
  args.src = src.impl();
  args.dst = dst.impl();
  args.bytes = bytes;
  nuri_error err = fresh_error();
  const nuri_status status = peer_copy(impl_, &args, &err);
  if (status == NURI_ERROR_UNSUPPORTED) return false;
  check(status, err, fmt::format("buffer_copy_peer from '{}'", src_device.name()).c_str());
  return true;
}

std::unique_ptr<DeviceExecutable> Device::compile(const nuri_graph_desc* partition) {
  nuri_error err = fresh_error();
  nuri_compile_args args{};
  args.struct_size = sizeof(args);
  args.partition = partition;
  check(api_->executable_compile(impl_, &args, &err), err,
        fmt::format("compile of partition '{}'", partition->name ? partition->name : "").c_str());
  return std::make_unique<DeviceExecutable>(shared_from_this(), args.executable);
}

void Device::execute(DeviceExecutable& exe, const std::vector<DeviceBuffer*>& inputs,
                     const std::vector<DeviceBuffer*>& outputs) {
  std::vector<nuri_buffer_impl*> in, out;
  for (DeviceBuffer* b : inputs) in.push_back(b->impl());
  for (DeviceBuffer* b : outputs) out.push_back(b->impl());
  nuri_error err = fresh_error();
  nuri_execute_args args{};
  args.struct_size = sizeof(args);
  args.executable = exe.impl();
  args.inputs = in.data();
  args.num_inputs = in.size();
  args.outputs = out.data();
  args.num_outputs = out.size();
  check(api_->executable_execute(impl_, &args, &err), err, "execute");
  // A device that reports completion spares the wait; without event_query the runtime waits.
  const bool done = api_->event_query && api_->event_query(impl_, args.event) == 1;
  const nuri_status waited = done ? NURI_OK : api_->event_wait(impl_, args.event, &err);
  api_->event_release(impl_, args.event);
  check(waited, err, "event_wait");
}

nuri_exec_stats Device::stats(DeviceExecutable& exe) {
  nuri_exec_stats s{};
  s.struct_size = sizeof(s);
  nuri_error err = fresh_error();
  check(api_->executable_get_stats(impl_, exe.impl(), &s, &err), err, "get_stats");
  return s;
}

void Device::write_report(DeviceExecutable& exe, const char* report_path, const char* trace_path) {
  if (!api_->executable_write_report)
    throw Error(fmt::format("device '{}' writes no reports", name_), NURI_ERROR_UNSUPPORTED);
  nuri_error err = fresh_error();
  check(api_->executable_write_report(impl_, exe.impl(), report_path, trace_path, &err), err,
        "write_report");
}

}  // namespace nuri::rt
