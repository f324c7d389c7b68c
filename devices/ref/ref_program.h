// The reference executor: compiles a graph once (verify, order, memory plan) and runs it many
// times on new inputs with the reference kernels. It is the oracle every device is tested
// against, and the engine behind the `ref` device.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/lowering/reference_ops.h"
#include "compiler/memory/memory_plan.h"

namespace nuri::ref {

class RefProgram {
 public:
  // Throws nuri::Error if the graph fails verification or a constant has no data.
  explicit RefProgram(ir::Graph graph);

  // Inputs in the order of graph.inputs(); each must match its input's dtype and shape.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // The same on raw buffers holding each input/output's bytes (sizes are the caller's to check).
  void run(std::span<const void* const> inputs, std::span<void* const> outputs);

  const ir::Graph& graph() const { return graph_; }
  const std::vector<ir::NodeId>& order() const { return order_; }
  // Arena bytes with liveness-based reuse, and what a buffer per tensor would need.
  size_t peak_bytes() const { return plan_.peak_bytes; }
  size_t unshared_bytes() const { return plan_.total_bytes; }

 private:
  void* address(ir::ValueId v);

  ir::Graph graph_;
  std::vector<ir::NodeId> order_;
  ir::GraphMemoryPlan plan_;
  std::vector<ir::NodeOperands> operands_;  // per step; data pointers refreshed each run
  Tensor arena_;                            // one allocation, 64-byte aligned
};

}  // namespace nuri::ref
