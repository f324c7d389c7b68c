// The one report and the one Chrome trace of a run, in one schema whatever the devices:
// totals, per device, per partition, per op, per transfer and per link, all on the simulated
// timeline (runtime/run_timeline.h). Wall-clock times never appear, so equal runs give equal
// bytes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/run_timeline.h"
#include "simulator/common/chrome_trace.h"

namespace nuri::rt {

// One node (or a fused group, or a whole partition where the device details none) in time.
struct OpSpan {
  std::string name, op;
  int device = 0;
  size_t partition = 0;
  double start_ns = 0, end_ns = 0;
};

// Per op: simulated devices' own reports (read through the ABI's optional report call:
// the npu's ops, the pim's steps); host devices' nodes by the host model.
std::vector<OpSpan> timeline_ops(Session& session, const RunTimeline& run);

// {"schema", "graph", "link", "totals", "devices", "partitions", "ops", "transfers", "links"}.
nlohmann::json timeline_report(const Session& session, const RunTimeline& run,
                               const std::vector<OpSpan>& ops);

// Adds the run to `trace` shifted by offset_ns: a process per device (tracks: partitions, ops)
// and per link; `label` prefixes span names (e.g. "prefill").
void add_timeline_trace(sim::ChromeTrace& trace, const RunTimeline& run,
                        const std::vector<OpSpan>& ops, double offset_ns,
                        const std::string& label = "");

}  // namespace nuri::rt
