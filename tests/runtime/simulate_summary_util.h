// Reading figures out of a `nuri simulate` summary (runtime/simulate.h) in tests.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace nuri::rt::test {

// Bytes over every link in a phase (summary["phases"]["prefill"] or ["decode"]).
inline uint64_t link_bytes(const nlohmann::json& phase) {
  uint64_t bytes = 0;
  for (const auto& l : phase["links"]) bytes += l["bytes"].get<uint64_t>();
  return bytes;
}

// A device's busy time in a phase; 0 when it took no work.
inline double busy_ms(const nlohmann::json& phase, const std::string& device) {
  for (const auto& d : phase["devices"])
    if (d["name"] == device) return d["busy_ms"].get<double>();
  return 0;
}

}  // namespace nuri::rt::test
