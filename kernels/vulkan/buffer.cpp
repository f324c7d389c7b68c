#include "kernels/vulkan/buffer.h"

#include <utility>

#include "nuri/error.hpp"

namespace nuri::kernels::vk {

Buffer::Buffer(std::shared_ptr<Context> context, uint64_t bytes, Memory memory)
    : context_(std::move(context)), bytes_(bytes) {
  const VkDevice dev = context_->device();
  VkBufferCreateInfo bci{};
  bci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bci.size = bytes ? bytes : 4;
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
              VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(dev, &bci, nullptr, &buffer_), "vkCreateBuffer");
  try {
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, buffer_, &req);
    const uint32_t type =
        memory == Memory::Device ? context_->device_memory_type() : context_->host_memory_type();
    if (!(req.memoryTypeBits & (1u << type)))
      throw Error("vulkan: storage buffers cannot live in memory type " + std::to_string(type));
    VkMemoryAllocateInfo mai{};
    mai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = type;
    check(vkAllocateMemory(dev, &mai, nullptr, &memory_), "vkAllocateMemory");
    check(vkBindBufferMemory(dev, buffer_, memory_, 0), "vkBindBufferMemory");
    if (context_->is_host_visible(type))
      check(vkMapMemory(dev, memory_, 0, VK_WHOLE_SIZE, 0, &mapped_), "vkMapMemory");
  } catch (...) {
    if (memory_) vkFreeMemory(dev, memory_, nullptr);
    vkDestroyBuffer(dev, buffer_, nullptr);
    throw;
  }
}

Buffer::~Buffer() {
  const VkDevice dev = context_->device();
  if (mapped_) vkUnmapMemory(dev, memory_);
  vkDestroyBuffer(dev, buffer_, nullptr);
  vkFreeMemory(dev, memory_, nullptr);
}

}  // namespace nuri::kernels::vk
