#include "kernels/vulkan/context.h"

#include <cstring>
#include <map>
#include <utility>

#include "kernels/vulkan/spirv.h"
#include "nuri/error.hpp"

namespace nuri::kernels::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
constexpr const char* kKernelNames[] = {
    "matmul",      "binary",         "unary", "softmax",
    "norm",        "attention",      "copy",  "gather",
    "reduce",      "where",          "equal", "cast",
    "rotary",      "matmul_blocked", "peak",  "matmul_blocked_nt",
    "gather_texel"};
static_assert(std::size(kKernelNames) == static_cast<size_t>(Kernel::Count_));

[[noreturn]] void unavailable(const std::string& why) {
  throw Error("vulkan unavailable: " + why, NURI_ERROR_UNSUPPORTED);
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT,
                                             VkDebugUtilsMessageTypeFlagsEXT,
                                             const VkDebugUtilsMessengerCallbackDataEXT* data,
                                             void* user) {
  static_cast<Context*>(user)->note_validation(data && data->pMessage ? data->pMessage : "?");
  return VK_FALSE;
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    default:
      return 3;
  }
}

}  // namespace

const char* kernel_name(Kernel k) {
  return kKernelNames[static_cast<size_t>(k)];
}

void check(VkResult result, const char* what) {
  if (result != VK_SUCCESS)
    throw Error(
        std::string("vulkan: ") + what + " failed (VkResult " + std::to_string(result) + ")",
        result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY
            ? NURI_ERROR_OUT_OF_MEMORY
            : NURI_ERROR_INTERNAL);
}

std::shared_ptr<Context> Context::get(const ContextOptions& options) {
  static std::mutex mutex;
  static std::map<std::pair<int, bool>, std::weak_ptr<Context>> live;
  std::lock_guard lock(mutex);
  auto& slot = live[{options.device_index, options.validation}];
  if (auto ctx = slot.lock()) return ctx;
  std::shared_ptr<Context> ctx(new Context(options));
  slot = ctx;
  return ctx;
}

Context::Context(const ContextOptions& options) : options_(options) {
  if (options.validation && !has_layer(kValidationLayer))
    unavailable(std::string(kValidationLayer) +
                " is not installed (Debian: vulkan-validationlayers)");
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "nuri";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ici{};
  ici.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  ici.pApplicationInfo = &app;
  const char* ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  if (options.validation) {
    ici.enabledLayerCount = 1;
    ici.ppEnabledLayerNames = &kValidationLayer;
    ici.enabledExtensionCount = 1;
    ici.ppEnabledExtensionNames = &ext;
  }
  const VkResult r = vkCreateInstance(&ici, nullptr, &instance_);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER || r == VK_ERROR_INITIALIZATION_FAILED)
    unavailable(
        "the Vulkan loader found no driver (install a GPU driver, or mesa-vulkan-drivers "
        "for lavapipe on the CPU; VK_ICD_FILENAMES selects one)");
  check(r, "vkCreateInstance");
  try {
    if (options.validation) {
      VkDebugUtilsMessengerCreateInfoEXT mci{};
      mci.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
      mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
      mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
      mci.pfnUserCallback = on_validation;
      mci.pUserData = this;
      auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
          vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
      if (!create) unavailable("the validation layer offers no VK_EXT_debug_utils");
      check(create(instance_, &mci, nullptr, &messenger_), "vkCreateDebugUtilsMessengerEXT");
    }
    uint32_t n = 0;
    vkEnumeratePhysicalDevices(instance_, &n, nullptr);
    std::vector<VkPhysicalDevice> devices(n);
    vkEnumeratePhysicalDevices(instance_, &n, devices.data());
    if (devices.empty())
      unavailable("no Vulkan device (install a GPU driver, or mesa-vulkan-drivers for lavapipe)");
    if (options.device_index >= static_cast<int>(devices.size()))
      throw Error("vulkan: option device=" + std::to_string(options.device_index) + " but only " +
                      std::to_string(devices.size()) + " Vulkan device(s) exist",
                  NURI_ERROR_INVALID_ARGUMENT);
    if (options.device_index >= 0) {
      physical_ = devices[options.device_index];
    } else {
      int best = 99;
      for (VkPhysicalDevice d : devices) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(d, &p);
        if (type_rank(p.deviceType) < best) best = type_rank(p.deviceType), physical_ = d;
      }
    }
    vkGetPhysicalDeviceProperties(physical_, &props_);
    driver_ = props_.deviceName;
    if (props_.limits.maxPushConstantsSize < kPushConstantBytes)
      unavailable(driver_ + " has only " + std::to_string(props_.limits.maxPushConstantsSize) +
                  " bytes of push constants");

    uint32_t nq = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &nq, nullptr);
    std::vector<VkQueueFamilyProperties> families(nq);
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &nq, families.data());
    bool found = false;
    for (uint32_t i = 0; i < nq && !found; ++i)
      if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        queue_family_ = i;
        timestamp_bits_ = families[i].timestampValidBits;
        found = true;
      }
    if (!found) unavailable(driver_ + " has no compute queue");

    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(physical_, &mem);
    const VkMemoryPropertyFlags host =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const auto heap_of = [&](uint32_t t) {
      return mem.memoryHeaps[mem.memoryTypes[t].heapIndex].size;
    };
    int host_type = -1, device_type = -1, unified = -1;
    for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
      const VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
      if ((f & host) == host) host_visible_types_ |= 1u << i;
      if ((f & host) == host && host_type < 0) host_type = static_cast<int>(i);
      if ((f & local) && (device_type < 0 || heap_of(i) > heap_of(device_type)))
        device_type = static_cast<int>(i);
      if ((f & (host | local)) == (host | local) && unified < 0) unified = static_cast<int>(i);
    }
    if (host_type < 0) unavailable(driver_ + " has no host-visible coherent memory type");
    if (device_type < 0) device_type = host_type;
    // A host-visible device-local type serves both when its heap is the big one (not the
    // 256 MiB BAR window of a discrete GPU without resizable BAR).
    if (unified >= 0 && heap_of(unified) >= heap_of(device_type)) device_type = unified;
    if (unified >= 0 && device_type == unified) host_type = unified;
    device_type_ = static_cast<uint32_t>(device_type);
    host_type_ = static_cast<uint32_t>(host_type);
    heap_bytes_ = heap_of(device_type_);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo qci{};
    qci.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    qci.queueFamilyIndex = queue_family_;
    qci.queueCount = 1;
    qci.pQueuePriorities = &priority;
    VkDeviceCreateInfo dci{};
    dci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    check(vkCreateDevice(physical_, &dci, nullptr, &device_), "vkCreateDevice");
    vkGetDeviceQueue(device_, queue_family_, 0, &queue_);

    // Every shader sees the executable's arena as binding 0 and takes its operands' word
    // offsets and extents as push constants. Binding 1 views the same arena as vec4 texels:
    // CPU drivers fetch texels with vector gathers where they load a storage buffer lane by
    // lane (matmul_blocked.comp reads its operands there).
    VkDescriptorSetLayoutBinding bindings[2]{};
    bindings[0].binding = 0;
    bindings[0].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[0].descriptorCount = 1;
    bindings[0].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    bindings[1] = bindings[0];
    bindings[1].binding = 1;
    bindings[1].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    VkDescriptorSetLayoutCreateInfo sl{};
    sl.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    sl.bindingCount = 2;
    sl.pBindings = bindings;
    check(vkCreateDescriptorSetLayout(device_, &sl, nullptr, &set_layout_),
          "vkCreateDescriptorSetLayout");
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
    VkPipelineLayoutCreateInfo pl{};
    pl.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &set_layout_;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &range;
    check(vkCreatePipelineLayout(device_, &pl, nullptr, &pipeline_layout_),
          "vkCreatePipelineLayout");
  } catch (...) {
    release();
    throw;
  }
}

Context::~Context() {
  release();
}

void Context::release() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    for (VkPipeline& p : pipelines_)
      if (p) vkDestroyPipeline(device_, p, nullptr), p = VK_NULL_HANDLE;
    if (pipeline_layout_) vkDestroyPipelineLayout(device_, pipeline_layout_, nullptr);
    if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
    pipeline_layout_ = VK_NULL_HANDLE;
    set_layout_ = VK_NULL_HANDLE;
    vkDestroyDevice(device_, nullptr);
    device_ = VK_NULL_HANDLE;
  }
  if (messenger_) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
    messenger_ = VK_NULL_HANDLE;
  }
  if (instance_) vkDestroyInstance(instance_, nullptr);
  instance_ = VK_NULL_HANDLE;
}

VkPipeline Context::pipeline(Kernel k) {
  std::lock_guard lock(pipeline_mutex_);
  VkPipeline& slot = pipelines_[static_cast<size_t>(k)];
  if (slot) return slot;
  const SpirvModule* module = nullptr;
  for (const SpirvModule& m : spirv_modules())
    if (std::strcmp(m.name, kernel_name(k)) == 0) module = &m;
  if (!module) throw Error(std::string("vulkan: shader '") + kernel_name(k) + "' not embedded");
  std::vector<uint32_t> words(module->bytes / 4);
  std::memcpy(words.data(), module->code, words.size() * 4);
  VkShaderModuleCreateInfo smi{};
  smi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  smi.codeSize = words.size() * 4;
  smi.pCode = words.data();
  VkShaderModule shader = VK_NULL_HANDLE;
  check(vkCreateShaderModule(device_, &smi, nullptr, &shader), "vkCreateShaderModule");
  VkComputePipelineCreateInfo cpi{};
  cpi.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  cpi.stage.module = shader;
  cpi.stage.pName = "main";
  cpi.layout = pipeline_layout_;
  const VkResult r = vkCreateComputePipelines(device_, VK_NULL_HANDLE, 1, &cpi, nullptr, &slot);
  vkDestroyShaderModule(device_, shader, nullptr);
  check(r, "vkCreateComputePipelines");
  return slot;
}

void Context::note_validation(const char* message) {
  std::lock_guard lock(message_mutex_);
  if (validation_count_++ == 0) first_message_ = message;
}

std::string Context::first_validation_message() const {
  std::lock_guard lock(message_mutex_);
  return first_message_;
}

}  // namespace nuri::kernels::vk
