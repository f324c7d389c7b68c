// A session's last run placed on one simulated timeline: simulated partitions take the time
// their simulator reported, the others the host model's roofline (runtime/host_model.h), and
// every value crossing between memories goes over the link (runtime/link_model.h).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runtime/host_model.h"
#include "runtime/link_model.h"
#include "runtime/session.h"
#include "runtime/timeline.h"

namespace nuri::rt {

struct RunTimeline {
  LinkModel link;
  TimelineSpec spec;  // devices as session.devices(), tasks as partitions
  Timeline timeline;
  std::vector<nuri_exec_stats> stats;  // per partition, from its device
  std::vector<bool> simulated;         // per device: timed by its simulator
  std::vector<HostModel> host_models;  // per device (used where not simulated)
};

// Call after session.run(). Devices that are not simulators are costed by `host`; values named
// in `resident` are device state (a KV cache: TimelineSpec::Value::resident). Throws
// nuri::Error if the session has not run.
RunTimeline session_timeline(Session& session, const LinkModel& link, const HostModel& host,
                             const std::set<std::string>& resident = {});

}  // namespace nuri::rt

namespace nuri::rt {

// What one device did on the timeline: busy time, off-chip bytes (the simulator's, or the host
// model's compulsory bytes) and energy (0 where the device reports none).
struct DeviceUse {
  std::string name;
  std::string timed_by;  // "simulator" or the host model's roofline line
  double busy_ns = 0;
  uint64_t bytes = 0;
  double energy_joules = 0;
  int partitions = 0;
};
std::vector<DeviceUse> device_use(const Session& session, const RunTimeline& run);

}  // namespace nuri::rt
