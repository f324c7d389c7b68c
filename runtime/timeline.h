// One simulated timeline for a run: each task (a partition) starts when its device is free and
// its inputs have arrived; a value that crosses between memories (host memory, each device's
// own) occupies the link between them for LinkModel::transfer_ns, transfers on one directed
// link queue behind each other. Independent tasks on different devices overlap.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/link_model.h"

namespace nuri::rt {

struct TimelineSpec {
  struct Device {
    std::string name;
    bool host_memory = false;  // reads and writes host memory in place (cpu, ref): no link
  };
  struct Value {
    std::string name;
    uint64_t bytes = 0;
    int producer = -1;  // task index; -1: a graph input, in host memory at time 0
    // Device state kept between runs (a KV cache): it lives in the memory of whichever device
    // reads or writes it, so it never crosses a link, and as an output is not read back.
    bool resident = false;
  };
  struct Task {
    std::string name;
    int device = 0;
    double duration_ns = 0;
    std::vector<int> inputs;  // value indices
  };
  std::vector<Device> devices;
  std::vector<Value> values;
  std::vector<Task> tasks;   // producers before consumers
  std::vector<int> outputs;  // values the host reads back at the end
};

struct Transfer {
  int value = 0;
  std::string from, to;  // memories: a device name, or "host"
  uint64_t bytes = 0;
  double start_ns = 0, end_ns = 0;
  std::string link() const { return from + "->" + to; }
};

struct LinkUse {
  uint64_t bytes = 0;
  double busy_ns = 0;
  int transfers = 0;
};

struct Timeline {
  std::vector<double> start_ns, end_ns;  // per task
  std::vector<Transfer> transfers;       // in the order they were issued
  std::vector<double> device_busy_ns;    // per device
  std::map<std::string, LinkUse> links;  // by Transfer::link()
  double end_ns_total = 0;               // when the last output reached the host
};

// Throws nuri::Error naming the task when a task reads a value produced by a later task.
Timeline schedule(const TimelineSpec& spec, const LinkModel& link);

}  // namespace nuri::rt
