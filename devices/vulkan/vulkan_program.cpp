#include "devices/vulkan/vulkan_program.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "nuri/error.hpp"

namespace nuri::vulkan {
namespace {

double since_ns(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
}

uint64_t align64(uint64_t bytes) {
  return (bytes + 63) / 64 * 64;
}

PlanOptions plan_options(const kernels::vk::Context& context, const ProgramOptions& options) {
  PlanOptions o;
  o.blocked_gemm = options.blocked_gemm >= 0
                       ? options.blocked_gemm != 0
                       : context.properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  return o;
}

}  // namespace

VulkanProgram::VulkanProgram(std::shared_ptr<kernels::vk::Context> context, ir::Graph graph,
                             const ProgramOptions& options)
    : graph_(std::move(graph)),
      plan_(plan_graph(graph_, plan_options(*context, options))),
      context_(std::move(context)) {
  using kernels::vk::Buffer;
  using kernels::vk::Memory;
  // Everything a shader addresses as a storage buffer must lie in one binding's range; the
  // constants read only as texels may lie past it, within the texel view's reach.
  uint64_t window = context_->properties().limits.maxStorageBufferRange;
  if (options.storage_binding_bytes > 0) window = std::min(window, options.storage_binding_bytes);
  if (plan_.arena_words * 4 > context_->texel_view_bytes())
    plan_ = plan_graph(graph_, PlanOptions{});  // the texel view cannot reach it all: no texels
  if (plan_.storage_words * 4 > window)
    throw Error("vulkan: partition '" + graph_.name() + "' needs " +
                    std::to_string(plan_.storage_words * 4) +
                    " bytes of values the shaders address as a storage buffer, more than the " +
                    std::to_string(window) + "-byte binding of " + context_->driver() +
                    (plan_.storage_words < plan_.arena_words
                         ? " (constants read only as texels already lie past it)"
                         : "") +
                    " (place part of the model on another device)",
                NURI_ERROR_OUT_OF_MEMORY);
  storage_range_ = std::min(window, plan_.arena_words * 4);
  staged_ = options.force_staging || !context_->unified_memory();
  arena_ = std::make_unique<Buffer>(context_, plan_.arena_words * 4,
                                    staged_ ? Memory::Device : Memory::Host);
  // Host-side places: the arena itself when it is mapped, else a staging buffer holding the
  // inputs, outputs and fault words, copied in and out by the command list.
  kernels::vk::Staging staging;
  const auto place = [&](uint64_t arena_byte, uint64_t bytes, bool up, bool down) {
    if (!staged_) return arena_byte;
    const uint64_t at = stage_bytes_;
    stage_bytes_ += align64(bytes);
    if (up) staging.upload.push_back({at, arena_byte, bytes});
    if (down) staging.download.push_back({arena_byte, at, bytes});
    return at;
  };
  for (ir::ValueId v : graph_.inputs())
    input_at_.push_back(place(plan_.value_word[v] * 4, graph_.value(v).type.nbytes(), true, false));
  for (ir::ValueId v : graph_.outputs())
    output_at_.push_back(
        place(plan_.value_word[v] * 4, graph_.value(v).type.nbytes(), false, true));
  for (const FaultWord& f : plan_.faults) fault_at_.push_back(place(f.word * 4, 4, true, true));
  // Zero-byte copies are invalid in Vulkan.
  std::erase_if(staging.upload, [](const VkBufferCopy& c) { return c.size == 0; });
  std::erase_if(staging.download, [](const VkBufferCopy& c) { return c.size == 0; });
  if (staged_) {
    staging_ =
        std::make_unique<Buffer>(context_, std::max<uint64_t>(stage_bytes_, 4), Memory::Host);
    staging.buffer = staging_->handle();
  }
  upload_constants();
  commands_ = std::make_unique<kernels::vk::CommandList>(context_, *arena_, plan_.dispatches,
                                                         staging, storage_range_);
}

void VulkanProgram::upload_constants() {
  using kernels::vk::Buffer;
  std::vector<std::pair<const ir::Value*, uint64_t>> constants;  // value, arena byte
  uint64_t total = 0;
  for (size_t v = 0; v < graph_.values().size(); ++v) {
    const ir::Value& value = graph_.values()[v];
    if (value.kind != ir::ValueKind::Constant) continue;
    if (!value.data)
      throw Error("vulkan: constant '" + value.name + "' has no data (a timing-only graph)",
                  NURI_ERROR_UNSUPPORTED);
    constants.push_back({&value, plan_.value_word[v] * 4});
    total += align64(value.type.nbytes());
  }
  if (!staged_) {
    for (const auto& [value, at] : constants)
      if (value->type.nbytes())
        std::memcpy(arena_->data() + at, value->data->data(), value->type.nbytes());
    return;
  }
  if (total == 0) return;
  // Once, through a temporary staging buffer and a one-shot command list.
  Buffer temp(context_, total, kernels::vk::Memory::Host);
  kernels::vk::Staging up;
  up.buffer = temp.handle();
  uint64_t at = 0;
  for (const auto& [value, arena_byte] : constants) {
    const uint64_t bytes = value->type.nbytes();
    if (bytes == 0) continue;
    std::memcpy(temp.data() + at, value->data->data(), bytes);
    up.upload.push_back({at, arena_byte, bytes});
    at += align64(bytes);
  }
  kernels::vk::CommandList(context_, *arena_, {}, up, storage_range_).run();
}

void VulkanProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  const auto& ins = graph_.inputs();
  const auto& outs = graph_.outputs();
  if (inputs.size() != ins.size() || outputs.size() != outs.size())
    throw Error("vulkan: partition '" + graph_.name() + "' takes " + std::to_string(ins.size()) +
                " inputs and " + std::to_string(outs.size()) + " outputs, got " +
                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  std::byte* host = staged_ ? staging_->data() : arena_->data();
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t at : fault_at_) std::memset(host + at, 0, 4);
  // An empty tensor may come without a buffer (null): copy nothing for it.
  for (size_t i = 0; i < ins.size(); ++i)
    if (const size_t bytes = graph_.value(ins[i]).type.nbytes())
      std::memcpy(host + input_at_[i], inputs[i], bytes);
  upload_ns_ = since_ns(t0);
  t0 = std::chrono::steady_clock::now();
  commands_->run();
  submit_wait_ns_ = since_ns(t0);
  for (size_t i = 0; i < fault_at_.size(); ++i) {
    uint32_t flag = 0;
    std::memcpy(&flag, host + fault_at_[i], 4);
    if (flag) throw Error(plan_.faults[i].what, NURI_ERROR_INVALID_ARGUMENT);
  }
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < outs.size(); ++i)
    if (const size_t bytes = graph_.value(outs[i]).type.nbytes())
      std::memcpy(outputs[i], host + output_at_[i], bytes);
  download_ns_ = since_ns(t0);
}

RunProfile VulkanProgram::profile() const {
  RunProfile p;
  p.upload_ns = upload_ns_;
  p.submit_wait_ns = submit_wait_ns_;
  p.download_ns = download_ns_;
  for (const auto& d : commands_->dispatches()) p.labels.push_back(d.label);
  p.dispatch_ns = commands_->dispatch_ns();
  return p;
}

}  // namespace nuri::vulkan
