#include "devices/vulkan/vulkan_program.h"

#include <chrono>
#include <cstring>
#include <utility>

#include "nuri/error.hpp"

namespace nuri::vulkan {
namespace {

double since_ns(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

VulkanProgram::VulkanProgram(std::shared_ptr<kernels::vk::Context> context, ir::Graph graph)
    : graph_(std::move(graph)), plan_(plan_graph(graph_)), context_(std::move(context)) {
  const uint64_t limit = context_->properties().limits.maxStorageBufferRange;
  if (plan_.arena_words * 4 > limit)
    throw Error("vulkan: partition '" + graph_.name() + "' needs " +
                    std::to_string(plan_.arena_words * 4) + " bytes of buffers, more than the " +
                    std::to_string(limit) + "-byte storage buffer range of " + context_->driver() +
                    " (place part of the model on another device)",
                NURI_ERROR_OUT_OF_MEMORY);
  arena_ = std::make_unique<kernels::vk::Buffer>(context_, plan_.arena_words * 4);
  for (size_t v = 0; v < graph_.values().size(); ++v) {
    const ir::Value& value = graph_.values()[v];
    if (value.kind != ir::ValueKind::Constant) continue;
    if (!value.data)
      throw Error("vulkan: constant '" + value.name + "' has no data (a timing-only graph)",
                  NURI_ERROR_UNSUPPORTED);
    std::memcpy(arena_->data() + plan_.value_word[v] * 4, value.data->data(), value.type.nbytes());
  }
  commands_ = std::make_unique<kernels::vk::CommandList>(context_, *arena_, plan_.dispatches);
}

void VulkanProgram::run(std::span<const void* const> inputs, std::span<void* const> outputs) {
  const auto& ins = graph_.inputs();
  const auto& outs = graph_.outputs();
  if (inputs.size() != ins.size() || outputs.size() != outs.size())
    throw Error("vulkan: partition '" + graph_.name() + "' takes " + std::to_string(ins.size()) +
                " inputs and " + std::to_string(outs.size()) + " outputs, got " +
                std::to_string(inputs.size()) + " and " + std::to_string(outputs.size()));
  auto t0 = std::chrono::steady_clock::now();
  std::byte* base = arena_->data();
  for (const FaultWord& f : plan_.faults) std::memset(base + f.word * 4, 0, 4);
  for (size_t i = 0; i < ins.size(); ++i)
    std::memcpy(base + plan_.value_word[ins[i]] * 4, inputs[i], graph_.value(ins[i]).type.nbytes());
  upload_ns_ = since_ns(t0);
  t0 = std::chrono::steady_clock::now();
  commands_->run();
  submit_wait_ns_ = since_ns(t0);
  for (const FaultWord& f : plan_.faults) {
    uint32_t flag = 0;
    std::memcpy(&flag, base + f.word * 4, 4);
    if (flag) throw Error(f.what, NURI_ERROR_INVALID_ARGUMENT);
  }
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < outs.size(); ++i)
    std::memcpy(outputs[i], base + plan_.value_word[outs[i]] * 4,
                graph_.value(outs[i]).type.nbytes());
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
