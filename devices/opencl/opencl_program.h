// A partition compiled for an OpenCL device: one device buffer per value (reshape-like ops
// alias their input), every node lowered to kernel launches whose arguments are set once at
// compile time. A run enqueues, without blocking, the input writes, the launches and the output
// reads on the in-order queue; its CL events tell when it is done (and time each launch from
// its profiling timestamps).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/opencl/kernel_library.h"
#include "nuri/types.h"

namespace nuri::opencl {

struct Launch {
  ClKernel kernel;
  cl_uint dims = 1;
  size_t global[3] = {1, 1, 1};
  size_t local[3] = {1, 1, 1};
  bool has_local = false;
  size_t step = 0;  // index into the program's steps
};

// A node's time summed over runs, from the CL events of its launches.
struct StepProfile {
  std::string node, op;
  double device_ns = 0;
  size_t launches = 0;
};

struct RunProfile {
  double write_ns = 0, kernel_ns = 0, read_ns = 0;  // summed over runs, from CL events
  uint64_t runs = 0;
  double last_run_ns = 0;  // host time from enqueue to observed completion, last run
};

class OpenClProgram;

// One enqueued run: the CL events of its commands (with what each does, for errors) and the
// host words its fault flags are read into. Its inputs' and outputs' memory must stay valid
// until it is done; destroying it waits.
class PendingRun {
 public:
  ~PendingRun();
  PendingRun(const PendingRun&) = delete;
  PendingRun& operator=(const PendingRun&) = delete;
  // Does not block: true once every command completed and no fault flag is set. False while
  // running, and also when a command or a flag failed (wait() then says which).
  bool complete();
  // Blocks until done; throws nuri::Error naming the failed command (with the driver's error
  // code) or the node whose fault flag is set.
  void wait();

 private:
  friend class OpenClProgram;
  explicit PendingRun(OpenClProgram& program) : program_(program) {}
  void finish();  // once, after completion: statuses, fault flags, profile

  OpenClProgram& program_;
  std::vector<ClEvent> events_;
  std::vector<std::string> labels_;  // per event: "node 'fc1' (MatMul)", "write of input 'x'"
  size_t writes_ = 0, kernels_ = 0, reads_ = 0;  // events_ holds them in this order, then flags
  std::vector<size_t> kernel_steps_;             // per kernel event: its step
  std::unique_ptr<int[]> flags_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
  std::string error_;
  nuri_status error_status_ = NURI_ERROR_INTERNAL;
};

class OpenClProgram {
 public:
  // Throws nuri::Error naming the node when a node cannot be lowered.
  OpenClProgram(ir::Graph graph, std::shared_ptr<const KernelLibrary> lib);

  // Raw buffers in the order of the graph's inputs and outputs, each of its value's size.
  // Enqueues a run and returns without waiting for it.
  std::unique_ptr<PendingRun> enqueue(std::span<const void* const> inputs,
                                      std::span<void* const> outputs);
  // enqueue() and wait.
  void run(std::span<const void* const> inputs, std::span<void* const> outputs);

  const ir::Graph& graph() const { return graph_; }
  const std::vector<StepProfile>& steps() const { return steps_; }
  const RunProfile& profile() const { return profile_; }
  uint64_t bytes_moved_per_run() const;

  // Lowering helpers (opencl_lowering.cpp).
  cl_mem mem(ir::ValueId v) const { return mems_.at(v); }
  cl_mem scratch(size_t bytes);
  cl_mem constant_ints(const std::vector<int>& values);
  Launch& add_launch(const char* kernel_name, size_t step);
  cl_mem error_flag(const std::string& what);
  const KernelLibrary& lib() const { return *lib_; }

 private:
  friend class PendingRun;
  void allocate_values();

  ir::Graph graph_;
  std::shared_ptr<const KernelLibrary> lib_;
  std::map<ir::ValueId, cl_mem> mems_;
  std::vector<ClMem> owned_;
  std::vector<Launch> launches_;
  std::vector<StepProfile> steps_;
  std::vector<std::pair<cl_mem, std::string>> error_flags_;
  RunProfile profile_;
};

// Lowers node `id` of the program's graph into launches (opencl_lowering.cpp).
void lower_node(OpenClProgram& p, ir::NodeId id, size_t step);

}  // namespace nuri::opencl
