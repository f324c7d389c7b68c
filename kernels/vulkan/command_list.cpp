#include "kernels/vulkan/command_list.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "nuri/error.hpp"

namespace nuri::kernels::vk {

constexpr uint32_t kMaxGroups = 65535;  // the smallest maxComputeWorkGroupCount Vulkan allows

uint32_t groups_for(uint64_t n) {
  return static_cast<uint32_t>(std::clamp<uint64_t>((n + 255) / 256, 1, kMaxGroups));
}

void lanes_to_groups(uint64_t lanes, Dispatch& d) {
  const uint64_t x = std::clamp<uint64_t>(lanes, 1, kMaxGroups);
  const uint64_t y = (lanes + x - 1) / x;
  if (y > kMaxGroups)
    throw Error("vulkan: " + d.label + ": " + std::to_string(lanes) + " rows exceed the grid",
                NURI_ERROR_UNSUPPORTED);
  d.groups[0] = static_cast<uint32_t>(x);
  d.groups[1] = static_cast<uint32_t>(std::max<uint64_t>(y, 1));
  d.groups[2] = 1;
}

CommandList::CommandList(std::shared_ptr<Context> context, const Buffer& arena,
                         std::vector<Dispatch> ops, const Staging& staging, uint64_t storage_range)
    : context_(std::move(context)), ops_(std::move(ops)) {
  const VkDevice dev = context_->device();
  for (const Dispatch& d : ops_)
    if (d.push.size() * 4 > Context::kPushConstantBytes)
      throw Error("vulkan: " + d.label + ": push constants too large");
  // Pipelines first (they may be built now), so recording below only reads them.
  std::vector<VkPipeline> pipelines;
  for (const Dispatch& d : ops_) pipelines.push_back(context_->pipeline(d.kernel));
  try {
    VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1},
                                    {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, 1}};
    VkDescriptorPoolCreateInfo dpi{};
    dpi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    dpi.maxSets = 1;
    dpi.poolSizeCount = 2;
    dpi.pPoolSizes = sizes;
    check(vkCreateDescriptorPool(dev, &dpi, nullptr, &pool_), "vkCreateDescriptorPool");
    VkDescriptorSetLayout layout = context_->set_layout();
    VkDescriptorSetAllocateInfo dsa{};
    dsa.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    dsa.descriptorPool = pool_;
    dsa.descriptorSetCount = 1;
    dsa.pSetLayouts = &layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(vkAllocateDescriptorSets(dev, &dsa, &set), "vkAllocateDescriptorSets");
    // The texel view covers whole texels of the arena, as far as the driver allows.
    VkBufferViewCreateInfo bvi{};
    bvi.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
    bvi.buffer = arena.handle();
    bvi.format = Context::kTexelFormat;
    bvi.range = std::min(arena.size(), context_->texel_view_bytes()) / Context::kTexelBytes *
                Context::kTexelBytes;
    if (bvi.range > 0)
      check(vkCreateBufferView(dev, &bvi, nullptr, &texel_view_), "vkCreateBufferView");
    const uint64_t whole =
        std::min(arena.size(), uint64_t{context_->properties().limits.maxStorageBufferRange});
    VkDescriptorBufferInfo info{arena.handle(), 0,
                                storage_range ? std::min(storage_range, whole) : whole};
    VkWriteDescriptorSet writes[2]{};
    writes[0].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[0].dstSet = set;
    writes[0].dstBinding = 0;
    writes[0].descriptorCount = 1;
    writes[0].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[0].pBufferInfo = &info;
    writes[1] = writes[0];
    writes[1].dstBinding = 1;
    writes[1].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    writes[1].pBufferInfo = nullptr;
    writes[1].pTexelBufferView = &texel_view_;
    vkUpdateDescriptorSets(dev, texel_view_ ? 2 : 1, writes, 0, nullptr);

    VkCommandPoolCreateInfo cpi{};

    cpi.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    cpi.queueFamilyIndex = context_->queue_family();
    check(vkCreateCommandPool(dev, &cpi, nullptr, &command_pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo cba{};
    cba.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    cba.commandPool = command_pool_;
    cba.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cba.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(dev, &cba, &commands_), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fci{};
    fci.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    check(vkCreateFence(dev, &fci, nullptr, &fence_), "vkCreateFence");
    const uint32_t n_queries = static_cast<uint32_t>(ops_.size()) + 1;
    if (context_->has_timestamps()) {
      VkQueryPoolCreateInfo qpi{};
      qpi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
      qpi.queryType = VK_QUERY_TYPE_TIMESTAMP;
      qpi.queryCount = n_queries;
      check(vkCreateQueryPool(dev, &qpi, nullptr, &queries_), "vkCreateQueryPool");
    }

    VkCommandBufferBeginInfo begin{};

    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    check(vkBeginCommandBuffer(commands_, &begin), "vkBeginCommandBuffer");
    if (queries_) {
      vkCmdResetQueryPool(commands_, queries_, 0, n_queries);
      vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
    }
    vkCmdBindDescriptorSets(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, context_->pipeline_layout(),
                            0, 1, &set, 0, nullptr);
    if (!staging.upload.empty()) {
      barrier(VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
              VK_ACCESS_TRANSFER_READ_BIT);
      vkCmdCopyBuffer(commands_, staging.buffer, arena.handle(),
                      static_cast<uint32_t>(staging.upload.size()), staging.upload.data());
      barrier(VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
              VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
              VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT);
    }
    // Host writes (the uploaded inputs) become visible to the first dispatch.
    VkMemoryBarrier host{};
    host.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    host.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
    host.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_HOST_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &host, 0, nullptr, 0, nullptr);
    for (size_t i = 0; i < ops_.size(); ++i) {
      const Dispatch& d = ops_[i];
      vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, pipelines[i]);
      // The layout's push range is fixed; unused trailing words are zero.
      uint32_t words[Context::kPushConstantBytes / 4] = {};
      std::memcpy(words, d.push.data(), d.push.size() * 4);
      vkCmdPushConstants(commands_, context_->pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         Context::kPushConstantBytes, words);
      vkCmdDispatch(commands_, d.groups[0], d.groups[1], d.groups[2]);
      // Every dispatch may read what the previous ones wrote.
      VkMemoryBarrier mb{};
      mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
      mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                         (i + 1 == ops_.size() ? VK_ACCESS_HOST_READ_BIT : 0);
      vkCmdPipelineBarrier(commands_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                               (i + 1 == ops_.size() ? VK_PIPELINE_STAGE_HOST_BIT : 0),
                           0, 1, &mb, 0, nullptr, 0, nullptr);
      if (queries_)
        vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, queries_,
                            static_cast<uint32_t>(i + 1));
    }
    if (!staging.download.empty()) {
      barrier(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
              VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
              VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      vkCmdCopyBuffer(commands_, arena.handle(), staging.buffer,
                      static_cast<uint32_t>(staging.download.size()), staging.download.data());
      barrier(VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
              VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    }
    check(vkEndCommandBuffer(commands_), "vkEndCommandBuffer");
  } catch (...) {
    release();
    throw;
  }
}

void CommandList::barrier(VkPipelineStageFlags src_stage, VkAccessFlags src,
                          VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
  VkMemoryBarrier mb{};
  mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  mb.srcAccessMask = src;
  mb.dstAccessMask = dst;
  vkCmdPipelineBarrier(commands_, src_stage, dst_stage, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

CommandList::~CommandList() {
  release();
}

void CommandList::release() {
  const VkDevice dev = context_->device();
  if (queries_) vkDestroyQueryPool(dev, queries_, nullptr);
  if (fence_) vkDestroyFence(dev, fence_, nullptr);
  if (command_pool_) vkDestroyCommandPool(dev, command_pool_, nullptr);
  if (pool_) vkDestroyDescriptorPool(dev, pool_, nullptr);
  if (texel_view_) vkDestroyBufferView(dev, texel_view_, nullptr);
  texel_view_ = VK_NULL_HANDLE;
  queries_ = VK_NULL_HANDLE;
  fence_ = VK_NULL_HANDLE;
  command_pool_ = VK_NULL_HANDLE;
  pool_ = VK_NULL_HANDLE;
}

void CommandList::run() {
  const VkDevice dev = context_->device();
  VkSubmitInfo si{};
  si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &commands_;
  {
    std::lock_guard lock(context_->queue_mutex());
    check(vkQueueSubmit(context_->queue(), 1, &si, fence_), "vkQueueSubmit");
  }
  check(vkWaitForFences(dev, 1, &fence_, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  check(vkResetFences(dev, 1, &fence_), "vkResetFences");
  if (!queries_) return;
  std::vector<uint64_t> ticks(ops_.size() + 1);
  check(vkGetQueryPoolResults(dev, queries_, 0, static_cast<uint32_t>(ticks.size()),
                              ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  const double period = context_->properties().limits.timestampPeriod;
  dispatch_ns_.resize(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i)
    dispatch_ns_[i] = static_cast<double>(ticks[i + 1] - ticks[i]) * period;
}

}  // namespace nuri::kernels::vk
