#include "runtime/run_timeline.h"

#include <fmt/format.h>

#include "compiler/ir/op_work.h"

namespace nuri::rt {

RunTimeline session_timeline(Session& session, const LinkModel& link, const HostModel& host,
                             const std::set<std::string>& resident) {
  RunTimeline r;
  r.link = link;
  const ir::Graph& g = session.graph();
  for (const auto& dev : session.devices()) {
    const nuri_device_properties& p = dev->properties();
    r.spec.devices.push_back({dev->name(), p.kind == NURI_DEVICE_KIND_CPU});
    r.simulated.push_back(p.simulated != 0);
    r.host_models.push_back(host);
  }
  const auto device_index = [&](const Device& d) {
    for (size_t i = 0; i < session.devices().size(); ++i)
      if (session.devices()[i].get() == &d) return static_cast<int>(i);
    throw Error(fmt::format("timeline: device '{}' is not the session's", d.name()));
  };
  // Values by session graph id; producers filled as partitions are met.
  std::vector<int> value_index(g.values().size(), -1);
  const auto value_of = [&](ir::ValueId id) {
    if (value_index[id] < 0) {
      value_index[id] = static_cast<int>(r.spec.values.size());
      r.spec.values.push_back(
          {g.value(id).name, g.value(id).type.nbytes(), -1, resident.count(g.value(id).name) != 0});
    }
    return value_index[id];
  };
  for (size_t p = 0; p < session.partition_count(); ++p) {
    const int dev = device_index(session.partition_device(p));
    const nuri_exec_stats stats = session.partition_stats(p);
    if (stats.executions == 0 && r.simulated[dev])
      throw Error(fmt::format("timeline: partition {} on {} has not run", p,
                              session.partition_device(p).name()));
    r.stats.push_back(stats);
    TimelineSpec::Task task{fmt::format("partition {}", p), dev, 0, {}};
    if (r.simulated[dev]) {
      task.duration_ns = stats.elapsed_ns;
    } else {
      const ir::Graph& pg = session.partition_graph(p);
      for (const ir::Node& n : pg.nodes()) task.duration_ns += r.host_models[dev].node_ns(pg, n);
    }
    for (ir::ValueId v : session.partition_inputs(p)) task.inputs.push_back(value_of(v));
    r.spec.tasks.push_back(std::move(task));
    for (ir::ValueId v : session.partition_outputs(p))
      r.spec.values[value_of(v)].producer = static_cast<int>(p);
  }
  for (ir::ValueId v : g.outputs())
    if (g.value(v).kind != ir::ValueKind::Constant) r.spec.outputs.push_back(value_of(v));
  r.timeline = schedule(r.spec, link);
  return r;
}

}  // namespace nuri::rt

namespace nuri::rt {

std::vector<DeviceUse> device_use(const Session& session, const RunTimeline& run) {
  std::vector<DeviceUse> use;
  for (size_t d = 0; d < run.spec.devices.size(); ++d)
    use.push_back({run.spec.devices[d].name,
                   run.simulated[d] ? "simulator" : run.host_models[d].summary(),
                   run.timeline.device_busy_ns[d], 0, 0, 0});
  for (size_t p = 0; p < run.spec.tasks.size(); ++p) {
    DeviceUse& u = use[run.spec.tasks[p].device];
    ++u.partitions;
    if (run.simulated[run.spec.tasks[p].device]) {
      u.bytes += run.stats[p].bytes_moved;
      u.energy_joules += run.stats[p].energy_joules;
    } else {
      const ir::Graph& pg = session.partition_graph(p);
      for (const ir::Node& n : pg.nodes())
        u.bytes += static_cast<uint64_t>(ir::node_min_bytes(pg, n));
    }
  }
  return use;
}

}  // namespace nuri::rt
