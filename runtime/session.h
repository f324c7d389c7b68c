// A session: a graph placed on devices, compiled once, run many times on new inputs.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/graph.h"
#include "compiler/partition/partitioner.h"
#include "runtime/registry.h"

namespace nuri::rt {

struct SessionOptions {
  // Devices in priority order. Ops none of them supports fall back to `fallback_device`
  // (appended last) unless strict.
  std::vector<std::string> devices{"cpu"};
  std::string fallback_device = "cpu";
  bool strict = false;  // fail instead of falling back
  // Priority: the devices' order decides (default); cost: the cheapest estimate does.
  ir::PlacementPolicy placement_policy = ir::PlacementPolicy::Priority;
  // Per-device options passed to device_create ("threads=2", "config=large", ...).
  std::map<std::string, std::string> device_options;
  // Run the fusions (ir::session_pipeline) before placement, so graphs built with GraphBuilder
  // or the C API get the same passes as imported ones. Off: the graph runs as given.
  bool fuse = true;
  // Fixed placement by op name ({"MatMul": "npu", "Attention": "pim"}, as NeuPIMs and AttAcc
  // place FC and attention): a listed op goes to its device wherever that device claims it;
  // where it declines, and for ops not listed, the policy decides.
  std::map<std::string, std::string> op_rules;
  // What the cost policy charges for moving a value between devices (0: the partitioner's
  // default); `nuri simulate` sets its link's bandwidth.
  double transfer_bytes_per_s = 0;
  // The devices only time the run (their timing_only option): run() reads no outputs back and
  // returns zero tensors of the outputs' types, allocated lazily (their pages never touched).
  // Inputs may then come without data (TensorView::data null): simulated devices get nothing
  // written, others zeros.
  bool timing_only = false;
};

// A host tensor the caller owns: the session reads it where it lies (no staging copy).
struct TensorView {
  DType dtype = DType::F32;
  Shape shape;
  const void* data = nullptr;
};

struct PartitionStats {
  std::string device;
  size_t nodes = 0;
  nuri_exec_stats stats{};
};

class Session {
 public:
  Session(ir::Graph graph, SessionOptions options,
          DeviceRegistry& registry = DeviceRegistry::global());
  ~Session();

  // Inputs in graph input order; each must match its input's dtype and shape.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  std::vector<Tensor> run(const std::vector<TensorView>& inputs);

  // IO binding: bind graph input/output i once to the caller's memory (dtype and shape must
  // match the value's: checked here, a mismatch is an error naming it) or to a device buffer
  // (at least the value's bytes), then run_bound() as often as wanted. A device that imports
  // host memory (the cpu, every built-in) reads a bound input and writes a bound output in
  // place; a buffer of the partition's own device is used as its buffer; anything else costs
  // one copy per run. An output's memory is written: the caller keeps it valid (and an input's
  // unchanged but for its own updates) while bound. Binding again replaces a binding; run()
  // ignores bindings.
  void bind_input(size_t i, const TensorView& view);
  void bind_output(size_t i, const TensorView& view);
  void bind_input(size_t i, DeviceBuffer& buffer);
  void bind_output(size_t i, DeviceBuffer& buffer);
  void unbind_all();
  // Runs on the bound memory; every input and output must be bound.
  void run_bound();

  const ir::Graph& graph() const { return graph_; }
  const ir::PartitionPlan& plan() const { return plan_; }
  const std::vector<std::shared_ptr<Device>>& devices() const { return devices_; }
  // Which node ran where and why, partitions, and the transfers between devices.
  std::string placement_report() const;
  // Per partition, the device's stats for the last run.
  std::vector<PartitionStats> last_stats();
  uint64_t transferred_bytes_last_run() const { return transfer_bytes_last_; }
  // Devices that used (names), in first-use order.
  std::vector<std::string> devices_used() const;
  // Partitions in execution order: their graph, device, boundary values (ids in graph()) and
  // the device's stats for the last run.
  size_t partition_count() const { return parts_.size(); }
  const ir::Graph& partition_graph(size_t p) const;
  Device& partition_device(size_t p) const;
  const std::vector<ir::ValueId>& partition_inputs(size_t p) const;
  const std::vector<ir::ValueId>& partition_outputs(size_t p) const;
  nuri_exec_stats partition_stats(size_t p);
  // Writes partition p's device report and/or trace (either path may be empty); false when the
  // device writes none (cpu, ref).
  bool write_partition_report(size_t p, const std::string& report, const std::string& trace);
  // Writes each partition's device report / trace (devices that support it) as
  // <stem>.<index>.<device>.json; returns the files written.
  std::vector<std::string> write_reports(const std::string& report_stem,
                                         const std::string& trace_stem);

 private:
  struct CompiledPartition;
  // A caller's memory (`host`) or device buffer, bound to a graph input or output.
  struct Binding {
    void* host = nullptr;
    DeviceBuffer* buffer = nullptr;
    bool bound() const { return host || buffer; }
  };
  // The partitions' input/output slots take the bindings: a buffer of the slot's device
  // (imported caller memory or the caller's buffer) in place of its own, where one exists.
  void apply_bindings();
  // The partitions in order on the slots' buffers (bound ones when `bound`); `host` gives the
  // host inputs by value id; returns where each value was produced (partition, output).
  std::vector<std::pair<int, int>> execute(const std::vector<const TensorView*>& host, bool bound);
  // Moves a value's bytes between slots (any devices), counting bytes that cross devices.
  void move_value(DeviceBuffer& src, DeviceBuffer& dst, uint64_t bytes,
                  std::vector<std::byte>& staging);
  std::vector<Binding> bound_in_, bound_out_;
  ir::Graph graph_;
  SessionOptions options_;
  std::vector<std::shared_ptr<Device>> devices_;
  ir::PartitionPlan plan_;
  std::vector<std::unique_ptr<CompiledPartition>> parts_;
  uint64_t transfer_bytes_last_ = 0;
  // Zeros for timing-only inputs given without data that a non-simulated device reads.
  const void* zeros(size_t bytes);
  struct FreeDeleter {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, FreeDeleter> zeros_;
  size_t zeros_bytes_ = 0;
};

std::vector<TensorView> views_of(const std::vector<Tensor>& tensors);

// "a,b" -> {"a", "b"}
std::vector<std::string> split_list(const std::string& list, char sep = ',');

}  // namespace nuri::rt
