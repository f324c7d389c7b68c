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
  device_->api().buffer_free(device_->impl(), impl_);
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
    api_->device_destroy(impl_);
    throw;
  }
  if (props_.name) name_ = props_.name;
}

Device::~Device() {
  api_->device_destroy(impl_);
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

bool Device::supports(const nuri_graph_desc* graph, size_t node) {
  return api_->device_supports_op(impl_, graph, node) != 0;
}

std::optional<double> Device::estimate_cost(const nuri_graph_desc* graph, size_t node) {
  if (!api_->estimate_cost) return std::nullopt;
  nuri_error err = fresh_error();
  double seconds = 0;
  if (api_->estimate_cost(impl_, graph, node, &seconds, &err) != NURI_OK) return std::nullopt;
  return seconds;
}

std::unique_ptr<DeviceBuffer> Device::alloc(uint64_t bytes) {
  nuri_error err = fresh_error();
  nuri_buffer_impl* b = nullptr;
  check(api_->buffer_alloc(impl_, bytes, &b, &err), err, "buffer_alloc");
  return std::make_unique<DeviceBuffer>(shared_from_this(), b, bytes);
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

std::unique_ptr<DeviceExecutable> Device::compile(const nuri_graph_desc* partition) {
  nuri_error err = fresh_error();
  nuri_executable_impl* exe = nullptr;
  check(api_->compile(impl_, partition, &exe, &err), err,
        fmt::format("compile of partition '{}'", partition->name ? partition->name : "").c_str());
  return std::make_unique<DeviceExecutable>(shared_from_this(), exe);
}

void Device::execute(DeviceExecutable& exe, const std::vector<DeviceBuffer*>& inputs,
                     const std::vector<DeviceBuffer*>& outputs) {
  std::vector<nuri_buffer_impl*> in, out;
  for (DeviceBuffer* b : inputs) in.push_back(b->impl());
  for (DeviceBuffer* b : outputs) out.push_back(b->impl());
  nuri_error err = fresh_error();
  nuri_event_impl* event = nullptr;
  check(
      api_->execute(impl_, exe.impl(), in.data(), in.size(), out.data(), out.size(), &event, &err),
      err, "execute");
  const nuri_status waited = api_->event_wait(impl_, event, &err);
  api_->event_release(impl_, event);
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
