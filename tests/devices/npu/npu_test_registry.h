// The built-in devices, registered once for all of the npu test files.
#pragma once

#include "runtime/registry.h"

namespace nuri::npu_test {

inline rt::DeviceRegistry& builtin_registry() {
  static rt::DeviceRegistry* reg = [] {
    auto* r = new rt::DeviceRegistry();
    rt::register_builtin_devices(*r);
    return r;
  }();
  return *reg;
}

}  // namespace nuri::npu_test
