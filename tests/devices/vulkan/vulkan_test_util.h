// Shared by the vulkan device tests: the device, or a skip that says why there is none.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "nuri/error.hpp"
#include "runtime/registry.h"

namespace nuri::vulkan::testing {

// The vulkan device from the global registry, or null with `why` set when this machine has no
// Vulkan driver (the device registers but refuses creation, with the reason).
inline std::shared_ptr<rt::Device> vulkan_or_reason(std::string& why,
                                                    const std::string& options = "") {
  try {
    return rt::DeviceRegistry::global().create("vulkan", options);
  } catch (const Error& e) {
    if (e.status() != NURI_ERROR_UNSUPPORTED) throw;
    why = e.what();
    return nullptr;
  }
}

}  // namespace nuri::vulkan::testing

// Skips the current test, saying why, when there is no Vulkan driver.
#define NURI_REQUIRE_VULKAN(options)                                \
  do {                                                              \
    std::string why_;                                               \
    if (!::nuri::vulkan::testing::vulkan_or_reason(why_, options))  \
      GTEST_SKIP() << "no Vulkan device on this machine: " << why_; \
  } while (0)
