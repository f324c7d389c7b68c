// One storage buffer in the context's device or host memory type; mapped for its whole life
// when that type is host-visible (then uploads and downloads are memcpy).
#pragma once

#include <memory>

#include "kernels/vulkan/context.h"

namespace nuri::kernels::vk {

enum class Memory { Device, Host };

class Buffer {
 public:
  Buffer(std::shared_ptr<Context> context, uint64_t bytes, Memory memory);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  VkBuffer handle() const { return buffer_; }
  // Null when the memory is not host-visible.
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
