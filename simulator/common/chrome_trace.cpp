#include "simulator/common/chrome_trace.h"

#include <fstream>

#include "nuri/error.hpp"

namespace nuri::sim {

void ChromeTrace::name_process(int pid, const std::string& name) {
  events_.push_back({{"ph", "M"},
                     {"name", "process_name"},
                     {"pid", pid},
                     {"tid", 0},
                     {"args", {{"name", name}}}});
}

void ChromeTrace::name_track(int pid, int tid, const std::string& name) {
  events_.push_back({{"ph", "M"},
                     {"name", "thread_name"},
                     {"pid", pid},
                     {"tid", tid},
                     {"args", {{"name", name}}}});
}

void ChromeTrace::span(int pid, int tid, const std::string& name, const std::string& category,
                       double start_us, double dur_us, nlohmann::json args) {
  nlohmann::json e = {{"ph", "X"},  {"name", name},   {"cat", category}, {"pid", pid},
                      {"tid", tid}, {"ts", start_us}, {"dur", dur_us}};
  if (!args.is_null()) e["args"] = std::move(args);
  events_.push_back(std::move(e));
}

void ChromeTrace::counter(int pid, const std::string& name, double ts_us, double value) {
  events_.push_back(
      {{"ph", "C"}, {"name", name}, {"pid", pid}, {"ts", ts_us}, {"args", {{"value", value}}}});
}

nlohmann::json ChromeTrace::to_json() const {
  return {{"traceEvents", events_}, {"displayTimeUnit", "ns"}};
}

void ChromeTrace::write(const std::string& path) const {
  std::ofstream out(path);
  if (!out) throw Error("cannot write trace file '" + path + "'", NURI_ERROR_NOT_FOUND);
  out << to_json().dump();
  if (!out) throw Error("failed writing trace file '" + path + "'", NURI_ERROR_INTERNAL);
}

}  // namespace nuri::sim
