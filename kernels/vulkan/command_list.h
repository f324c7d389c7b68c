// A recorded sequence of compute dispatches over one arena buffer, replayed by run():
// one command buffer (recorded once), a fence to wait on, a barrier between dispatches,
// a timestamp after each dispatch when the queue supports them, and optional staging copies.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/vulkan/buffer.h"

namespace nuri::kernels::vk {

struct Dispatch {
  Kernel kernel;
  std::vector<uint32_t> push;  // push-constant words, the shader's `P` block in order
  uint32_t groups[3] = {1, 1, 1};
  std::string label;  // what it computes, for profiles ("node 'fc1' (MatMul)")
};

// Workgroups for a grid-stride loop over n items with 256-wide groups.
uint32_t groups_for(uint64_t n);
// Workgroups for one group per lane: x fills first (limit 65535), y carries the rest.
void lanes_to_groups(uint64_t lanes, Dispatch& d);

// Copies between a host-visible staging buffer and the arena around the dispatches, for
// drivers whose device-local memory is not host-visible.
struct Staging {
  VkBuffer buffer = VK_NULL_HANDLE;
  std::vector<VkBufferCopy> upload;    // staging -> arena, before the first dispatch
  std::vector<VkBufferCopy> download;  // arena -> staging, after the last dispatch
};

class CommandList {
 public:
  // storage_range: bytes of the arena bound as the storage buffer (binding 0), from its start;
  // 0: the whole arena. The texel view (binding 1) reaches as far as the driver allows.
  CommandList(std::shared_ptr<Context> context, const Buffer& arena, std::vector<Dispatch> ops,
              const Staging& staging = {}, uint64_t storage_range = 0);
  ~CommandList();
  CommandList(const CommandList&) = delete;
  CommandList& operator=(const CommandList&) = delete;
  // Submits and waits for completion.
  void run();
  // Per dispatch, nanoseconds between the previous timestamp and its own, from the last run
  // (empty when the queue has no timestamps).
  const std::vector<double>& dispatch_ns() const { return dispatch_ns_; }
  const std::vector<Dispatch>& dispatches() const { return ops_; }

 private:
  void release();
  void barrier(VkPipelineStageFlags src_stage, VkAccessFlags src, VkPipelineStageFlags dst_stage,
               VkAccessFlags dst);

  std::shared_ptr<Context> context_;
  std::vector<Dispatch> ops_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkBufferView texel_view_ = VK_NULL_HANDLE;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  std::vector<double> dispatch_ns_;
};

}  // namespace nuri::kernels::vk
