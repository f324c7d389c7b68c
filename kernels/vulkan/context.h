// A Vulkan compute context: instance, physical-device choice, one logical device with a
// compute queue, and the pipelines for the embedded shaders (built once, on first use).
// Contexts are shared per process and options: lavapipe compiles each pipeline with LLVM,
// so every device instance building its own would cost seconds.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nuri::kernels::vk {

// The shaders, by the file stem of kernels/vulkan/shaders/<name>.comp.
enum class Kernel {
  MatMul,
  Binary,
  Unary,
  Softmax,
  Norm,
  Attention,
  Copy,
  Gather,
  Reduce,
  Where,
  Equal,
  Cast,
  Rotary,
  MatMulBlocked,
  Peak,
  MatMulBlockedNt,
  GatherTexel,
  Count_
};
const char* kernel_name(Kernel k);

struct ContextOptions {
  int device_index = -1;    // -1: the first discrete GPU, else integrated, else any device
  bool validation = false;  // enable VK_LAYER_KHRONOS_validation and count what it reports
};

class Context {
 public:
  // Throws nuri::Error with NURI_ERROR_UNSUPPORTED and the reason when there is no Vulkan
  // driver, no device, or (with validation) no validation layer.
  static std::shared_ptr<Context> get(const ContextOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const VkPhysicalDeviceProperties& properties() const { return props_; }
  const std::string& driver() const { return driver_; }  // "llvmpipe (LLVM 15.0.6, 256 bits)"
  // Memory types: `device` for the arena the shaders use, `host` (visible, coherent) for
  // staging. Unified: one type is both (lavapipe, integrated GPUs, ReBAR), so the arena is
  // mapped and no copies are needed.
  uint32_t device_memory_type() const { return device_type_; }
  uint32_t host_memory_type() const { return host_type_; }
  bool unified_memory() const { return device_type_ == host_type_; }
  bool is_host_visible(uint32_t type) const { return (host_visible_types_ >> type) & 1u; }
  uint64_t memory_heap_bytes() const { return heap_bytes_; }
  bool has_timestamps() const { return timestamp_bits_ > 0; }
  // Bytes of the arena the vec4 texel view (binding 1) reaches.
  uint64_t texel_view_bytes() const {
    return uint64_t{props_.limits.maxTexelBufferElements} * kTexelBytes;
  }
  static constexpr VkFormat kTexelFormat = VK_FORMAT_R32G32B32A32_SFLOAT;
  static constexpr uint64_t kTexelBytes = 16;
  VkPipelineLayout pipeline_layout() const { return pipeline_layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  VkPipeline pipeline(Kernel k);
  // Submissions to the one queue are serialized (vkQueueSubmit needs external sync).
  std::mutex& queue_mutex() { return queue_mutex_; }
  // Validation layer reports (warnings and errors) since the context was made.
  size_t validation_messages() const { return validation_count_.load(); }
  std::string first_validation_message() const;
  void note_validation(const char* message);

  static constexpr uint32_t kPushConstantBytes = 128;

 private:
  explicit Context(const ContextOptions& options);
  void release();

  ContextOptions options_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  uint32_t timestamp_bits_ = 0;
  VkPhysicalDeviceProperties props_{};
  std::string driver_;
  uint32_t device_type_ = 0, host_type_ = 0, host_visible_types_ = 0;
  uint64_t heap_bytes_ = 0;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  std::array<VkPipeline, static_cast<size_t>(Kernel::Count_)> pipelines_{};
  std::mutex pipeline_mutex_, queue_mutex_;
  mutable std::mutex message_mutex_;
  std::atomic<size_t> validation_count_{0};
  std::string first_message_;
};

// Throws nuri::Error naming the call when a Vulkan call fails.
void check(VkResult result, const char* what);

}  // namespace nuri::kernels::vk
