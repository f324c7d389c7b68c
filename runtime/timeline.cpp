#include "runtime/timeline.h"

#include <fmt/format.h>

#include <algorithm>

#include "nuri/error.hpp"

namespace nuri::rt {
namespace {

const std::string kHost = "host";

class Scheduler {
 public:
  Scheduler(const TimelineSpec& spec, const LinkModel& link) : spec_(spec), link_(link) {
    t_.start_ns.assign(spec.tasks.size(), 0);
    t_.end_ns.assign(spec.tasks.size(), 0);
    t_.device_busy_ns.assign(spec.devices.size(), 0);
  }

  Timeline run() {
    std::vector<double> device_free(spec_.devices.size(), 0);
    for (size_t i = 0; i < spec_.tasks.size(); ++i) {
      const TimelineSpec::Task& task = spec_.tasks[i];
      if (task.device < 0 || static_cast<size_t>(task.device) >= spec_.devices.size())
        throw Error(fmt::format("timeline: task '{}' names device {} of {}", task.name, task.device,
                                spec_.devices.size()));
      double ready = device_free[task.device];
      for (int v : task.inputs) {
        const int producer = spec_.values.at(v).producer;
        if (producer >= static_cast<int>(i))
          throw Error(fmt::format("timeline: task '{}' reads '{}' before task {} produces it",
                                  task.name, spec_.values[v].name, producer));
        ready = std::max(ready, arrive(v, memory_of(task.device)));
      }
      t_.start_ns[i] = ready;
      t_.end_ns[i] = ready + task.duration_ns;
      device_free[task.device] = t_.end_ns[i];
      t_.device_busy_ns[task.device] += task.duration_ns;
    }
    for (int v : spec_.outputs)
      if (!spec_.values[v].resident) t_.end_ns_total = std::max(t_.end_ns_total, arrive(v, kHost));
    for (double end : t_.end_ns) t_.end_ns_total = std::max(t_.end_ns_total, end);
    return std::move(t_);
  }

 private:
  const std::string& memory_of(int device) const {
    const TimelineSpec::Device& d = spec_.devices[device];
    return d.host_memory ? kHost : d.name;
  }

  // When value v is in memory `to`, moving it there over the link the first time it is asked.
  double arrive(int v, const std::string& to) {
    const TimelineSpec::Value& val = spec_.values.at(v);
    if (val.resident && val.producer < 0) return 0;  // already where it is read
    const std::string& from =
        val.producer < 0 ? kHost : memory_of(spec_.tasks[val.producer].device);
    const double produced = val.producer < 0 ? 0 : t_.end_ns[val.producer];
    if (from == to) return produced;
    const auto key = std::make_pair(v, to);
    if (auto it = arrived_.find(key); it != arrived_.end()) return it->second;
    Transfer tr{v, from, to, val.bytes, 0, 0};
    double& link_free = link_free_[tr.link()];
    tr.start_ns = std::max(produced, link_free);
    tr.end_ns = tr.start_ns + link_.transfer_ns(val.bytes);
    link_free = tr.end_ns;
    LinkUse& use = t_.links[tr.link()];
    use.bytes += val.bytes;
    use.busy_ns += tr.end_ns - tr.start_ns;
    ++use.transfers;
    t_.transfers.push_back(tr);
    return arrived_[key] = tr.end_ns;
  }

  const TimelineSpec& spec_;
  const LinkModel& link_;
  Timeline t_;
  std::map<std::pair<int, std::string>, double> arrived_;
  std::map<std::string, double> link_free_;
};

}  // namespace

Timeline schedule(const TimelineSpec& spec, const LinkModel& link) {
  return Scheduler(spec, link).run();
}

}  // namespace nuri::rt
