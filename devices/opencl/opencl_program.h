// A partition compiled for an OpenCL device: one device buffer per value (reshape-like ops
// alias their input), every node lowered to kernel launches whose arguments are set once at
// compile time. A run writes the inputs, enqueues the launches on the in-order queue, reads
// the outputs, and keeps each launch's CL event to time it from its profiling timestamps.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/opencl/kernel_library.h"

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
};

class OpenClProgram {
 public:
  // Throws nuri::Error naming the node when a node cannot be lowered.
  OpenClProgram(ir::Graph graph, std::shared_ptr<const KernelLibrary> lib);

  // Raw buffers in the order of the graph's inputs and outputs, each of its value's size.
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
