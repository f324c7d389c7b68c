// Converting between the C++ graph IR and the device ABI's flat nuri_graph_desc, both ways:
// the runtime hands partitions to devices as descs; built-in devices turn them back into IR.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "nuri/device.h"

namespace nuri::ir {

// Where a desc's constant data may sit: as the graph holds it (views of a mapped ONNX file at
// any byte address; for devices with `unaligned_constants`, and for queries), or aligned to the
// element size (a copy of each constant that is not, for every other device's compile).
enum class ConstantAlignment { AsIs, ElementSize };

// Owns everything a nuri_graph_desc points into. Nodes appear in topological order.
class GraphDesc {
 public:
  explicit GraphDesc(const Graph& graph,
                     ConstantAlignment alignment = ConstantAlignment::ElementSize);
  GraphDesc(const GraphDesc&) = delete;
  GraphDesc& operator=(const GraphDesc&) = delete;
  const nuri_graph_desc* get() const { return &desc_; }
  // Node index in the desc for a node id of the source graph.
  size_t desc_index(NodeId id) const { return index_of_node_[id]; }
  // Bytes of the aligned copies ConstantAlignment::ElementSize made.
  size_t aligned_copy_bytes() const { return aligned_copy_bytes_; }
  // Frees those copies once the compile that needed them returned; the desc points at the
  // graph's own bytes again.
  void release_aligned_copies();

 private:
  std::deque<std::string> strings_;
  std::deque<std::vector<int64_t>> ints_;
  std::deque<std::vector<double>> floats_;
  std::deque<std::vector<int32_t>> ids_;
  // Descs cross the ABI as arrays of pointers (each element carries its own struct_size); the
  // deques keep every element at a stable address.
  std::deque<nuri_attr> attrs_;
  std::deque<std::vector<const nuri_attr*>> attr_lists_;
  std::deque<nuri_value_desc> values_;
  std::deque<nuri_node_desc> nodes_;
  std::vector<const nuri_value_desc*> value_ptrs_;
  std::vector<const nuri_node_desc*> node_ptrs_;
  std::vector<size_t> index_of_node_;
  std::vector<std::shared_ptr<const Tensor>> keep_alive_;
  struct AlignedCopy {
    nuri_value_desc* value;
    const void* original;
    Tensor copy;
  };
  std::vector<AlignedCopy> aligned_copies_;
  size_t aligned_copy_bytes_ = 0;
  nuri_graph_desc desc_{};
};

// Copy: the graph owns copies of the constants' data. Borrow: its constants view the desc's
// data, valid only during the compile call that got the desc: a device that borrows copies what
// it keeps (no copy of weights it packs into its own layout anyway).
enum class ConstantData { Copy, Borrow };

// Rebuilds and verifies a graph from a desc. Throws nuri::Error naming the node or value that is
// malformed (unknown op, bad indices, bad dtype).
Graph graph_from_desc(const nuri_graph_desc* desc, ConstantData constants = ConstantData::Copy);

// A one-node graph around node `index` of `desc` (its inputs become graph inputs), for
// capability and cost queries that need only the node and its operand types.
Graph node_graph_from_desc(const nuri_graph_desc* desc, size_t index);

// Rebuilds node `index` and checks its operand and result types against shape inference: the
// part of a device's capability query every device shares. Throws nuri::Error naming the node
// when the node is malformed.
void check_node_desc(const nuri_graph_desc* desc, size_t index);

// Why a device that computes real outputs cannot run node `index`: a constant input without data
// (a timing-only graph). Empty when every constant input has its data.
std::string missing_constant_data(const nuri_graph_desc* desc, size_t index);

}  // namespace nuri::ir
