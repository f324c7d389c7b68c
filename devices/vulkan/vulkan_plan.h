// Lowers a graph to Vulkan compute dispatches over one arena: every value gets a word-aligned
// region (reshapes alias their input), every node one or more dispatches of the shaders in
// kernels/vulkan. Pure data: it needs no driver, so the capability query is "does this node
// plan" and the claim matches what runs exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "kernels/vulkan/command_list.h"

namespace nuri::vulkan {

struct FaultWord {
  uint64_t word;     // arena word set non-zero by a kernel on a data-dependent fault
  std::string what;  // the message, naming the node
};

struct Plan {
  uint64_t arena_words = 0;
  // Words [0, storage_words) hold everything a shader addresses through the storage buffer
  // binding; past them lie constants read only through the texel view (binding 1), which
  // reaches further (lavapipe: 2 GiB against a 128 MiB storage buffer range).
  uint64_t storage_words = 0;
  std::vector<uint64_t> value_word;  // per value id: its region's first word
  std::vector<kernels::vk::Dispatch> dispatches;
  std::vector<FaultWord> faults;
};

struct PlanOptions {
  // GEMMs whose operands allow it use matmul_blocked.comp (register blocking, no shared
  // memory): faster on CPU drivers, where shared memory is no faster than the arena.
  bool blocked_gemm = false;
};

// Throws nuri::Error with NURI_ERROR_UNSUPPORTED naming the node when an op, dtype or shape
// is outside what the shaders implement.
Plan plan_graph(const ir::Graph& graph, const PlanOptions& options = {});

}  // namespace nuri::vulkan
