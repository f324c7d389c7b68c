// Writes Chrome trace event format (JSON), openable in Perfetto or chrome://tracing.
// One process per device or core, one thread (track) per engine; spans are "complete" events.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nuri::sim {

class ChromeTrace {
 public:
  // Names a track; pid groups tracks (a core, a channel), tid is the track within it.
  void name_process(int pid, const std::string& name);
  void name_track(int pid, int tid, const std::string& name);
  // A span from start_us lasting dur_us microseconds (trace time unit is the microsecond).
  void span(int pid, int tid, const std::string& name, const std::string& category, double start_us,
            double dur_us, nlohmann::json args = nullptr);
  // A counter sample (e.g. bandwidth in use).
  void counter(int pid, const std::string& name, double ts_us, double value);

  size_t size() const { return events_.size(); }
  nlohmann::json to_json() const;
  // Throws nuri::Error naming the path if it cannot be written.
  void write(const std::string& path) const;

 private:
  std::vector<nlohmann::json> events_;
};

}  // namespace nuri::sim
