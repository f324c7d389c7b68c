#include "runtime/session_report.h"

#include <nlohmann/json.hpp>

namespace nuri::rt {

std::string placement_json(const Session& session) {
  const ir::Graph& g = session.graph();
  const ir::PartitionPlan& plan = session.plan();
  nlohmann::json parts = nlohmann::json::array();
  for (const ir::Partition& part : plan.partitions) {
    nlohmann::json nodes = nlohmann::json::array();
    for (ir::NodeId id : part.nodes)
      nodes.push_back({{"name", g.node(id).name},
                       {"op", ir::op_name(g.node(id).op)},
                       {"reason", plan.reason_of_node[id]}});
    parts.push_back({{"device", session.devices()[part.target]->name()}, {"nodes", nodes}});
  }
  return nlohmann::json{{"graph", g.name()},
                        {"partitions", parts},
                        {"transfers", plan.transfers},
                        {"transfer_bytes", plan.transfer_bytes}}
      .dump();
}

std::string run_report_json(Session& session, double wall_time_ns) {
  nlohmann::json parts = nlohmann::json::array();
  double time_ns = 0, sim_ns = 0, energy = 0;
  uint64_t cycles = 0, bytes = 0;
  for (const PartitionStats& p : session.last_stats()) {
    const bool simulated = p.stats.cycles > 0;
    parts.push_back({{"device", p.device},
                     {"nodes", p.nodes},
                     {"time_ns", p.stats.elapsed_ns},
                     {"cycles", p.stats.cycles},
                     {"clock_hz", p.stats.clock_hz},
                     {"bytes_moved", p.stats.bytes_moved},
                     {"energy_joules", p.stats.energy_joules},
                     {"simulated", simulated}});
    time_ns += p.stats.elapsed_ns;
    if (simulated) sim_ns += p.stats.elapsed_ns;
    cycles += p.stats.cycles;
    bytes += p.stats.bytes_moved;
    energy += p.stats.energy_joules;
  }
  return nlohmann::json{{"partitions", parts},
                        {"total",
                         {{"time_ns", time_ns},
                          {"simulated_time_ns", sim_ns},
                          {"cycles", cycles},
                          {"bytes_moved", bytes},
                          {"energy_joules", energy}}},
                        {"transfer_bytes", session.transferred_bytes_last_run()},
                        {"wall_time_ns", wall_time_ns}}
      .dump();
}

}  // namespace nuri::rt
