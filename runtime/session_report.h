// A session's placement and last-run report as JSON text, for the C API and the bindings.
#pragma once

#include <string>

#include "runtime/session.h"

namespace nuri::rt {

// {"graph", "partitions": [{"device", "nodes": [{"name", "op", "reason"}]}], "transfers",
//  "transfer_bytes"}
std::string placement_json(const Session& session);
// {"partitions": [{"device", "nodes", "time_ns", "cycles", "clock_hz", "bytes_moved",
//  "energy_joules", "simulated"}], "total": {"time_ns", "simulated_time_ns", "cycles",
//  "bytes_moved", "energy_joules"}, "transfer_bytes", "wall_time_ns"}. A partition is simulated
// when its device counts cycles; its time_ns is then the simulated time, else the wall time.
std::string run_report_json(Session& session, double wall_time_ns);

}  // namespace nuri::rt
