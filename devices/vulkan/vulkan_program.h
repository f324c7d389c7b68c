// A compiled partition on a Vulkan device: its plan, one arena buffer holding every value
// (constants uploaded once), and a command list replayed per run. The arena is mapped when the
// driver has a host-visible device-local memory type; otherwise (or with force_staging) it is
// device-local and the command list copies inputs, outputs and fault words through a
// host-visible staging buffer.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "devices/vulkan/vulkan_plan.h"
#include "kernels/vulkan/buffer.h"
#include "kernels/vulkan/command_list.h"

namespace nuri::vulkan {

// Where one run's time went: host copies in and out, and each dispatch by GPU timestamps.
struct RunProfile {
  double upload_ns = 0, submit_wait_ns = 0, download_ns = 0;
  std::vector<std::string> labels;  // per dispatch
  std::vector<double> dispatch_ns;  // per dispatch (empty without timestamp support)
};

struct ProgramOptions {
  bool force_staging = false;
  // matmul_blocked*.comp for GEMMs (and gather_texel.comp): on (1), off (0), or by driver
  // (-1: on for CPU drivers).
  int blocked_gemm = -1;
  // The storage buffer binding's range, when smaller than the driver's (tests force a small
  // one); 0: the driver's maxStorageBufferRange.
  uint64_t storage_binding_bytes = 0;
};

class VulkanProgram {
 public:
  VulkanProgram(std::shared_ptr<kernels::vk::Context> context, ir::Graph graph,
                const ProgramOptions& options = {});
  const ir::Graph& graph() const { return graph_; }
  // Inputs and outputs follow the graph's, each at least its value's bytes.
  void run(std::span<const void* const> inputs, std::span<void* const> outputs);
  RunProfile profile() const;
  bool staged() const { return staged_; }

 private:
  void upload_constants();

  ir::Graph graph_;
  Plan plan_;
  std::shared_ptr<kernels::vk::Context> context_;
  bool staged_ = false;
  std::unique_ptr<kernels::vk::Buffer> arena_, staging_;
  uint64_t stage_bytes_ = 0;
  uint64_t storage_range_ = 0;  // bytes of the arena bound as the storage buffer
  // Byte offsets of each input, output and fault word in the host-visible buffer.
  std::vector<uint64_t> input_at_, output_at_, fault_at_;
  std::unique_ptr<kernels::vk::CommandList> commands_;
  double upload_ns_ = 0, submit_wait_ns_ = 0, download_ns_ = 0;
};

}  // namespace nuri::vulkan
