// Where the example plugin and its fault-injected variants were built.
#pragma once

#include <string>

inline std::string plugin_path(const std::string& name) {
  return std::string(NURI_TEST_PLUGIN_DIR) + "/lib" + name + ".so";
}
