// C++ handles over a device reached through the C ABI table. Every failing call becomes a
// nuri::Error that names the device, where it came from (built-in or plugin path) and the call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nuri/device.h"
#include "nuri/error.hpp"

namespace nuri::rt {

class Device;

class DeviceBuffer {
 public:
  DeviceBuffer(std::shared_ptr<Device> device, nuri_buffer_impl* impl, uint64_t bytes,
               bool is_virtual = false)
      : device_(std::move(device)), impl_(impl), bytes_(bytes), virtual_(is_virtual) {}
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  nuri_buffer_impl* impl() const { return impl_; }
  uint64_t size() const { return bytes_; }
  Device& device() const { return *device_; }
  // A size without storage (ABI 2.4, Device::alloc_virtual): its bytes cannot be read or written.
  bool is_virtual() const { return virtual_; }

 private:
  std::shared_ptr<Device> device_;
  nuri_buffer_impl* impl_;
  uint64_t bytes_;
  bool virtual_;
};

class DeviceExecutable {
 public:
  DeviceExecutable(std::shared_ptr<Device> device, nuri_executable_impl* impl)
      : device_(std::move(device)), impl_(impl) {}
  ~DeviceExecutable();
  DeviceExecutable(const DeviceExecutable&) = delete;
  DeviceExecutable& operator=(const DeviceExecutable&) = delete;
  nuri_executable_impl* impl() const { return impl_; }

 private:
  std::shared_ptr<Device> device_;
  nuri_executable_impl* impl_;
};

// A device's answer to the capability query: its verdict and, when it declines (or the query
// failed), why, in its own words.
struct OpSupport {
  bool supported = false;
  std::string reason;
};

class Device : public std::enable_shared_from_this<Device> {
 public:
  // Takes ownership of impl (destroyed with the device). `api` is a validated, zero-extended copy.
  Device(std::shared_ptr<const nuri_device_api> api, nuri_device_impl* impl, std::string origin);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const std::string& name() const { return name_; }
  const std::string& origin() const { return origin_; }
  const nuri_device_properties& properties() const { return props_; }
  std::string kind_name() const;

  // A query that fails is an answer too: declined, with the failure as the reason.
  OpSupport query_op(const nuri_graph_desc* graph, size_t node);
  bool supports(const nuri_graph_desc* graph, size_t node) {
    return query_op(graph, node).supported;
  }
  std::optional<double> estimate_cost(const nuri_graph_desc* graph, size_t node);

  std::unique_ptr<DeviceBuffer> alloc(uint64_t bytes);
  // ABI 2.4: a buffer with no storage for a device that only times its work; nullptr where the
  // device needs real bytes (it computes) or predates the entry.
  std::unique_ptr<DeviceBuffer> alloc_virtual(uint64_t bytes);
  // Wraps host memory (kept valid by the caller) without a copy; nullptr where the device
  // cannot (no buffer_import_host, e.g. a plugin built against ABI 2.0).
  std::unique_ptr<DeviceBuffer> import_host(void* data, uint64_t bytes);
  bool can_import_host() const { return api_->buffer_import_host != nullptr; }
  // ABI 2.3: compile reads constant data at any byte address (0 from an older plugin).
  bool accepts_unaligned_constants() const { return props_.unaligned_constants != 0; }
  void write(DeviceBuffer& buf, const void* src, uint64_t bytes);
  void read(DeviceBuffer& buf, void* dst, uint64_t bytes);
  void copy(DeviceBuffer& src, DeviceBuffer& dst, uint64_t bytes);
  // Where buf's bytes lie in host memory; nullptr where the device keeps them elsewhere or
  // cannot say (no buffer_get_host_pointer, e.g. a plugin built against ABI 2.1).
  void* host_pointer(DeviceBuffer& buf);
  // Copies from a buffer of `src_device`, another instance of this device's plugin, without
  // the host in between. False where the two are not peers or the plugin declines the pair.
  bool copy_from_peer(Device& src_device, DeviceBuffer& src, DeviceBuffer& dst, uint64_t bytes);

  std::unique_ptr<DeviceExecutable> compile(const nuri_graph_desc* partition);
  // Executes and waits for completion (asking event_query first where the device has it).
  void execute(DeviceExecutable& exe, const std::vector<DeviceBuffer*>& inputs,
               const std::vector<DeviceBuffer*>& outputs);
  nuri_exec_stats stats(DeviceExecutable& exe);
  bool can_write_reports() const { return api_->executable_write_report != nullptr; }
  void write_report(DeviceExecutable& exe, const char* report_path, const char* trace_path);

  const nuri_device_api& api() const { return *api_; }
  nuri_device_impl* impl() const { return impl_; }

 private:
  void check(nuri_status status, const nuri_error& err, const char* call) const;

  std::shared_ptr<const nuri_device_api> api_;
  nuri_device_impl* impl_;
  std::string origin_;
  std::string name_;
  nuri_device_properties props_{};
};

}  // namespace nuri::rt
