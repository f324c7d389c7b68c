#include "runtime/registry.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace nuri::rt {

std::shared_ptr<const nuri_device_api> validate_device_api(const nuri_device_api* api,
                                                           const std::string& origin) {
  if (!api) throw Error(fmt::format("device plugin {}: entry point returned no table", origin));
  if (api->abi_major != NURI_DEVICE_ABI_MAJOR)
    throw Error(fmt::format("device plugin {} ('{}') was built for device ABI {}.{}, but this "
                            "runtime implements ABI {}.{}; rebuild it against this Nuri's "
                            "nuri/device.h",
                            origin, api->plugin_name ? api->plugin_name : "?", api->abi_major,
                            api->abi_minor, NURI_DEVICE_ABI_MAJOR, NURI_DEVICE_ABI_MINOR),
                NURI_ERROR_VERSION_MISMATCH);
  if (api->struct_size < NURI_DEVICE_API_REQUIRED_SIZE)
    throw Error(
        fmt::format("device plugin {}: its table is {} bytes, smaller than the {} bytes "
                    "the required entries of ABI {}.x need",
                    origin, api->struct_size, NURI_DEVICE_API_REQUIRED_SIZE, NURI_DEVICE_ABI_MAJOR),
        NURI_ERROR_VERSION_MISMATCH);
  // Copy what the plugin has; entries it predates stay NULL (optional ones) — appended-only rule.
  auto copy = std::make_shared<nuri_device_api>();
  std::memcpy(copy.get(), api, std::min(api->struct_size, sizeof(nuri_device_api)));
  std::vector<std::string> missing;
#define NURI_REQUIRE(field) \
  if (!copy->field) missing.push_back(#field);
  NURI_REQUIRE(device_create)
  NURI_REQUIRE(device_release)
  NURI_REQUIRE(device_get_properties)
  NURI_REQUIRE(device_query_op)
  NURI_REQUIRE(buffer_alloc)
  NURI_REQUIRE(buffer_release)
  NURI_REQUIRE(buffer_write)
  NURI_REQUIRE(buffer_read)
  NURI_REQUIRE(buffer_copy)
  NURI_REQUIRE(executable_compile)
  NURI_REQUIRE(executable_release)
  NURI_REQUIRE(executable_execute)
  NURI_REQUIRE(executable_get_stats)
  NURI_REQUIRE(event_wait)
  NURI_REQUIRE(event_release)
#undef NURI_REQUIRE
  if (!copy->plugin_name || !copy->plugin_name[0]) missing.push_back("plugin_name");
  if (!missing.empty())
    throw Error(fmt::format("device plugin {}: required entries missing: {}", origin,
                            fmt::join(missing, ", ")),
                NURI_ERROR_INVALID_ARGUMENT);
  return copy;
}

DeviceRegistry::~DeviceRegistry() {
  // Plugin libraries stay loaded: devices created from them may outlive the registry.
}

DeviceRegistry& DeviceRegistry::global() {
  static DeviceRegistry* registry = [] {
    auto* r = new DeviceRegistry();
    register_builtin_devices(*r);
    if (const char* path = std::getenv("NURI_PLUGIN_PATH"))
      for (const std::string& e : r->load_plugin_path(path))
        std::fprintf(stderr, "nuri: warning: %s\n", e.c_str());
    return r;
  }();
  return *registry;
}

void DeviceRegistry::add(const nuri_device_api* api, const std::string& origin) {
  auto checked = validate_device_api(api, origin);
  const std::string name = checked->plugin_name;
  if (entries_.count(name))
    throw Error(fmt::format("device plugin {}: a device named '{}' is already registered ({})",
                            origin, name, entries_[name].origin));
  entries_[name] = {std::move(checked), origin};
  order_.push_back(name);
}

std::string DeviceRegistry::load_plugin(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw Error(fmt::format("cannot load device plugin '{}': {}", path, dlerror()),
                NURI_ERROR_NOT_FOUND);
  auto entry = reinterpret_cast<nuri_device_entry_fn>(dlsym(handle, NURI_DEVICE_ENTRY_SYMBOL));
  if (!entry) {
    dlclose(handle);
    throw Error(fmt::format("'{}' is not a Nuri device plugin: it exports no {}()", path,
                            NURI_DEVICE_ENTRY_SYMBOL),
                NURI_ERROR_INVALID_ARGUMENT);
  }
  const nuri_device_api* api = entry();
  try {
    add(api, "'" + path + "'");
  } catch (...) {
    dlclose(handle);
    throw;
  }
  handles_.push_back(handle);
  return order_.back();
}

std::vector<std::string> DeviceRegistry::load_plugin_path(const std::string& list) {
  std::vector<std::string> errors;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ':')) {
    if (item.empty()) continue;
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(item, ec)) {
      for (const auto& f : std::filesystem::directory_iterator(item, ec))
        if (f.path().extension() == ".so") files.push_back(f.path().string());
    } else {
      files.push_back(item);
    }
    for (const std::string& f : files) {
      try {
        load_plugin(f);
      } catch (const Error& e) {
        errors.push_back(e.what());
      }
    }
  }
  return errors;
}

std::vector<std::string> DeviceRegistry::names() const {
  return order_;
}

const std::string& DeviceRegistry::origin(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(fmt::format("no device named '{}'", name));
  return it->second.origin;
}

std::shared_ptr<Device> DeviceRegistry::create(const std::string& name,
                                               const std::string& options) {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw Error(fmt::format("no device named '{}'; available: {}", name, fmt::join(order_, ", ")),
                NURI_ERROR_NOT_FOUND);
  nuri_error err{};
  err.struct_size = sizeof(err);
  nuri_device_impl* impl = nullptr;
  const nuri_status st = it->second.api->device_create(options.c_str(), &impl, &err);
  if (st != NURI_OK)
    throw Error(fmt::format("device '{}' ({}): device_create failed: {}", name, it->second.origin,
                            err.message[0] ? err.message : "no message"),
                st);
  return std::make_shared<Device>(it->second.api, impl, it->second.origin);
}

}  // namespace nuri::rt
