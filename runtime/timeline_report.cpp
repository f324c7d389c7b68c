#include "runtime/timeline_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "compiler/ir/op_work.h"

namespace nuri::rt {
namespace {

// A device report in a scratch file, parsed and removed; null when the device writes none.
nlohmann::json device_report(Session& session, size_t p) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      fmt::format("nuri-report-{}-{}.json", ::getpid(), counter.fetch_add(1));
  if (!session.write_partition_report(p, path.string(), "")) return nullptr;
  nlohmann::json j;
  {
    std::ifstream in(path);
    j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  std::filesystem::remove(path);
  return j.is_discarded() ? nlohmann::json() : j;
}

// The op of the node a device label names: "MatMul_3", "MatMul_3+Add_4" (fused) or
// "layers.0.attn.relayout" (a step the device added for a node).
std::string op_of_label(const ir::Graph& g, const std::string& label) {
  const std::string head = label.substr(0, label.find('+'));
  const size_t dot = head.rfind('.');
  for (const std::string& name : {head, head.substr(0, dot)})
    for (const ir::Node& n : g.nodes())
      if (n.name == name) return std::string(ir::op_name(n.op));
  return "";
}

void add_simulated(std::vector<OpSpan>& out, const nlohmann::json& rep, const ir::Graph& g,
                   int device, size_t p, double start, double clock_hz, double duration) {
  const size_t before = out.size();
  if (rep.is_object() && rep.contains("ops") && rep["ops"].is_array() && clock_hz > 0) {
    for (const auto& o : rep["ops"]) {  // npu: cycles since the partition's start
      const std::string label = o.value("label", "");
      out.push_back({label, op_of_label(g, label), device, p,
                     start + o.value("start_cycle", 0.0) / clock_hz * 1e9,
                     start + o.value("end_cycle", 0.0) / clock_hz * 1e9});
    }
  } else if (rep.is_object() && rep.contains("steps") && rep["steps"].is_array()) {
    double t = start;  // pim: steps run back to back
    for (const auto& s : rep["steps"]) {
      const double ns = s.value("ns", 0.0);
      out.push_back({s.value("node", ""), s.value("op", ""), device, p, t, t + ns});
      t += ns;
    }
  }
  if (out.size() == before)
    out.push_back({fmt::format("partition {}", p), "", device, p, start, start + duration});
}

}  // namespace

std::vector<OpSpan> timeline_ops(Session& session, const RunTimeline& run) {
  std::vector<OpSpan> ops;
  for (size_t p = 0; p < run.spec.tasks.size(); ++p) {
    const int dev = run.spec.tasks[p].device;
    const ir::Graph& pg = session.partition_graph(p);
    const double start = run.timeline.start_ns[p];
    if (run.simulated[dev]) {
      add_simulated(ops, device_report(session, p), pg, dev, p, start, run.stats[p].clock_hz,
                    run.spec.tasks[p].duration_ns);
      continue;
    }
    double t = start;
    for (const ir::Node& n : pg.nodes()) {
      const double ns = run.host_models[dev].node_ns(pg, n);
      ops.push_back({n.name, std::string(ir::op_name(n.op)), dev, p, t, t + ns});
      t += ns;
    }
  }
  return ops;
}

nlohmann::json timeline_report(const Session& session, const RunTimeline& run,
                               const std::vector<OpSpan>& ops) {
  using nlohmann::json;
  const Timeline& t = run.timeline;
  const double total = t.end_ns_total;
  const auto util = [&](double busy) { return total > 0 ? busy / total : 0.0; };
  json devices = json::array();
  double energy = 0;
  uint64_t device_bytes = 0;
  for (const DeviceUse& u : device_use(session, run)) {
    if (u.partitions == 0) continue;
    devices.push_back({{"name", u.name},
                       {"timed_by", u.timed_by},
                       {"busy_ns", u.busy_ns},
                       {"utilization", util(u.busy_ns)},
                       {"bytes", u.bytes},
                       {"energy_joules", u.energy_joules},
                       {"partitions", u.partitions}});
    energy += u.energy_joules;
    device_bytes += u.bytes;
  }
  json parts = json::array();
  for (size_t p = 0; p < run.spec.tasks.size(); ++p)
    parts.push_back({{"index", p},
                     {"device", run.spec.devices[run.spec.tasks[p].device].name},
                     {"nodes", session.partition_graph(p).nodes().size()},
                     {"start_ns", t.start_ns[p]},
                     {"end_ns", t.end_ns[p]}});
  json op_list = json::array();
  for (const OpSpan& o : ops)
    op_list.push_back({{"name", o.name},
                       {"op", o.op},
                       {"device", run.spec.devices[o.device].name},
                       {"partition", o.partition},
                       {"start_ns", o.start_ns},
                       {"end_ns", o.end_ns}});
  json transfers = json::array();
  uint64_t transfer_bytes = 0;
  for (const Transfer& tr : t.transfers) {
    transfers.push_back({{"value", run.spec.values[tr.value].name},
                         {"from", tr.from},
                         {"to", tr.to},
                         {"link", tr.link()},
                         {"bytes", tr.bytes},
                         {"start_ns", tr.start_ns},
                         {"end_ns", tr.end_ns}});
    transfer_bytes += tr.bytes;
  }
  json links = json::array();
  for (const auto& [name, use] : t.links)
    links.push_back({{"name", name},
                     {"bytes", use.bytes},
                     {"busy_ns", use.busy_ns},
                     {"utilization", util(use.busy_ns)},
                     {"transfers", use.transfers}});
  return {{"schema", "nuri-run-report/1"},
          {"graph", session.graph().name()},
          {"link",
           {{"name", run.link.name},
            {"bandwidth_gbps", run.link.bandwidth_gbps},
            {"latency_ns", run.link.latency_ns},
            {"source", run.link.source}}},
          {"totals",
           {{"time_ns", total},
            {"energy_joules", energy},
            {"device_bytes", device_bytes},
            {"transfer_bytes", transfer_bytes},
            {"transfers", t.transfers.size()},
            {"partitions", run.spec.tasks.size()}}},
          {"devices", devices},
          {"partitions", parts},
          {"ops", op_list},
          {"transfers", transfers},
          {"links", links}};
}

void add_timeline_trace(sim::ChromeTrace& trace, const RunTimeline& run,
                        const std::vector<OpSpan>& ops, double offset_ns,
                        const std::string& label) {
  const auto us = [&](double ns) { return (ns + offset_ns) * 1e-3; };
  const std::string prefix = label.empty() ? "" : label + ": ";
  // Devices are processes 1..N, links follow in name order; names are set once per trace.
  const bool first = trace.size() == 0;
  std::vector<bool> used(run.spec.devices.size(), false);
  for (const TimelineSpec::Task& task : run.spec.tasks) used[task.device] = true;
  for (size_t d = 0; d < run.spec.devices.size() && first; ++d) {
    if (!used[d]) continue;
    const int pid = static_cast<int>(d) + 1;
    trace.name_process(pid, run.spec.devices[d].name);
    trace.name_track(pid, 0, "partitions");
    trace.name_track(pid, 1, "ops");
  }
  for (size_t p = 0; p < run.spec.tasks.size(); ++p) {
    const int pid = run.spec.tasks[p].device + 1;
    trace.span(pid, 0, fmt::format("{}partition {}", prefix, p), "partition",
               us(run.timeline.start_ns[p]),
               (run.timeline.end_ns[p] - run.timeline.start_ns[p]) * 1e-3);
  }
  for (const OpSpan& o : ops)
    trace.span(o.device + 1, 1, prefix + o.name, o.op.empty() ? "op" : o.op, us(o.start_ns),
               (o.end_ns - o.start_ns) * 1e-3);
  int pid = static_cast<int>(run.spec.devices.size()) + 1;
  std::map<std::string, int> link_pid;
  for (const auto& [name, use] : run.timeline.links) {
    trace.name_process(pid, "link " + name);
    trace.name_track(pid, 0, "transfers");
    link_pid[name] = pid++;
  }
  for (const Transfer& tr : run.timeline.transfers) {
    const int lp = link_pid[tr.link()];
    trace.span(lp, 0, prefix + run.spec.values[tr.value].name, "transfer", us(tr.start_ns),
               (tr.end_ns - tr.start_ns) * 1e-3, {{"bytes", tr.bytes}});
  }
}

}  // namespace nuri::rt
