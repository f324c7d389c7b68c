// Shared by the opencl device tests: every test skips, saying why, when no OpenCL driver is
// there at run time (the device then registers but cannot be created).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "runtime/registry.h"

namespace nuri::testing {

// Empty when an opencl device can be created; otherwise the device's own reason.
inline std::string opencl_unavailable_reason() {
  static const std::string why = [] {
    try {
      rt::DeviceRegistry::global().create("opencl");
      return std::string();
    } catch (const Error& e) {
      if (e.status() != NURI_ERROR_NOT_FOUND) throw;
      return std::string(e.what());
    }
  }();
  return why;
}

class OpenClTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = opencl_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

}  // namespace nuri::testing
