// One benchmark case of `nuri bench`: a single op with fixed input types and attributes, the
// graph that runs it alone, and its work (FLOPs, compulsory bytes) for the roofline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace nuri::cli {

struct BenchInput {
  ir::TensorType type;
  bool constant = false;  // a weight: packed at compile, not passed at each run
  bool absent = false;    // an optional input the node leaves out
};

struct BenchCase {
  std::string name;  // "MatMul/1x128x768,768x2304c->1x128x2304"
  ir::OpKind op = ir::OpKind::Relu;
  std::vector<BenchInput> inputs;
  ir::Attributes attrs;
  std::vector<ir::TensorType> outputs;
  int64_t occurrences = 1;  // nodes of the model with this op x shape
  double flops = 0;
  double bytes = 0;  // compulsory traffic: inputs read once, outputs written once
};

// The one-node graph that runs `c`. Constants get seeded random data when `with_data`; else
// float constants are shape-only placeholders (enough for a timing-only simulator) and integer
// ones (indices such as positions, which the timing depends on) still get data.
ir::Graph bench_graph(const BenchCase& c, bool with_data);
// Seeded inputs for the graph's inputs, in order (floats in [-1, 1), integers 0: a valid index).
std::vector<Tensor> bench_inputs(const BenchCase& c);

// A case from a node of a graph (its inputs' types, constness and attributes).
BenchCase case_from_node(const ir::Graph& g, const ir::Node& n);

// A case from `--op OP --shape DIMS --dtype T`. DIMS is "AxBx..."; for MatMul it is MxNxK
// (x[M, K] times a constant w[K, N]); elementwise ops and norms take the input's shape
// (LayerNorm/RMSNorm normalize the last axis, Softmax runs over it). Throws naming what is wrong.
BenchCase case_from_flags(const std::string& op, const std::string& dims, const std::string& dtype);

// Seeded data of a type: floats in [-1, 1) for f32; other dtypes zero (a valid index).
Tensor seeded_tensor(const ir::TensorType& type, uint64_t seed);

// "1x128x768" <-> {1, 128, 768}; parse_dims throws naming the text when it is not dims.
std::string dims_str(const Shape& shape);
Shape parse_dims(const std::string& text);

}  // namespace nuri::cli
