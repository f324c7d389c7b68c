// One storage buffer in host-visible, coherent memory (device-local too when the driver
// offers such a type), mapped for its whole life: uploads and downloads are memcpy.
#pragma once

#include <memory>

#include "kernels/vulkan/context.h"

namespace nuri::kernels::vk {

class Buffer {
 public:
  Buffer(std::shared_ptr<Context> context, uint64_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  VkBuffer handle() const { return buffer_; }
  std::byte* data() const { return static_cast<std::byte*>(mapped_); }
  uint64_t size() const { return bytes_; }

 private:
  std::shared_ptr<Context> context_;
  uint64_t bytes_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  void* mapped_ = nullptr;
};

}  // namespace nuri::kernels::vk
