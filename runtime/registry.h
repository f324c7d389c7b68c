// The device registry: built-in devices and plugins (`.so` files exporting NURI_DEVICE_ENTRY),
// all held as the same validated ABI table.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/device.h"

namespace nuri::rt {

class DeviceRegistry {
 public:
  DeviceRegistry() = default;
  ~DeviceRegistry();
  DeviceRegistry(const DeviceRegistry&) = delete;
  DeviceRegistry& operator=(const DeviceRegistry&) = delete;

  // The registry with the built-in devices and the plugins on NURI_PLUGIN_PATH (':'-separated
  // files or folders of *.so). A plugin there that fails to load is reported on stderr and
  // skipped, so one bad file does not take the others down.
  static DeviceRegistry& global();

  // Validates and registers a table; throws nuri::Error naming `origin` when the ABI major
  // differs, the table is too small, or required entries are missing.
  void add(const nuri_device_api* api, const std::string& origin);
  // dlopen()s a plugin and registers its table; returns the registered name.
  std::string load_plugin(const std::string& path);
  // Loads every plugin named by a ':'-separated list of files or folders; returns the errors.
  std::vector<std::string> load_plugin_path(const std::string& list);

  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  std::vector<std::string> names() const;  // in registration order
  const std::string& origin(const std::string& name) const;
  // Creates a device instance; `options` is "key=value;..." passed to device_create.
  std::shared_ptr<Device> create(const std::string& name, const std::string& options = "");

 private:
  struct Entry {
    std::shared_ptr<const nuri_device_api> api;
    std::string origin;
  };
  std::map<std::string, Entry> entries_;
  std::vector<std::string> order_;
  std::vector<void*> handles_;
};

// Checks a table as the registry does (exposed for tests and for `nuri devices`).
std::shared_ptr<const nuri_device_api> validate_device_api(const nuri_device_api* api,
                                                           const std::string& origin);

// Registers Nuri's built-in devices (runtime/builtin_devices.cpp: one line per device).
void register_builtin_devices(DeviceRegistry& registry);

}  // namespace nuri::rt
