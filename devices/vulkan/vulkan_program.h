// A compiled partition on a Vulkan device: its plan, one arena buffer holding every value
// (constants uploaded once), and a command list replayed per run.
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

class VulkanProgram {
 public:
  VulkanProgram(std::shared_ptr<kernels::vk::Context> context, ir::Graph graph);
  const ir::Graph& graph() const { return graph_; }
  // Inputs and outputs follow the graph's, each at least its value's bytes.
  void run(std::span<const void* const> inputs, std::span<void* const> outputs);
  RunProfile profile() const;

 private:
  ir::Graph graph_;
  Plan plan_;
  std::shared_ptr<kernels::vk::Context> context_;
  std::unique_ptr<kernels::vk::Buffer> arena_;
  std::unique_ptr<kernels::vk::CommandList> commands_;
  double upload_ns_ = 0, submit_wait_ns_ = 0, download_ns_ = 0;
};

}  // namespace nuri::vulkan
