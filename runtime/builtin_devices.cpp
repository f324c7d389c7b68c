// Nuri's built-in devices, registered through the same ABI table a plugin exports. Adding a
// device: one line here and its folder under devices/.
#include "devices/cpu/cpu_device.h"
#include "devices/npu/npu_device.h"
#include "devices/opencl/opencl_device.h"
#include "devices/pim/pim_device.h"
#include "devices/ref/ref_device.h"
#include "devices/vulkan/vulkan_device.h"
#include "runtime/registry.h"

namespace nuri::rt {

void register_builtin_devices(DeviceRegistry& registry) {
  registry.add(cpu::cpu_device_api(), "built-in");
  registry.add(npu::npu_device_api(), "built-in");
  registry.add(pim::pim_device_api(), "built-in");
  registry.add(opencl::opencl_device_api(), "built-in");
  registry.add(ref::ref_device_api(), "built-in");
  registry.add(vulkan::vulkan_device_api(), "built-in");
}

}  // namespace nuri::rt
