// Loading an ONNX model and its inputs (shared by the CLI, the C API and the bindings): the file,
// and its inputs from `NAME=FILE.npy` pairs, with missing inputs filled by seeded random values
// (and a note saying so).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/frontend/onnx/onnx_model.h"

namespace nuri::rt {

onnx::OnnxModel load_model(const std::string& path);

// "input_ids=ids.npy" -> {input_ids: ids.npy}; throws on a pair without '=' or a repeated name.
std::map<std::string, std::string> parse_input_args(const std::vector<std::string>& pairs);
// "seq=8" -> {seq: 8} (sizes for symbolic dims of inputs not given as files).
std::map<std::string, int64_t> parse_dim_args(const std::vector<std::string>& pairs);

struct ModelInputs {
  onnx::InputShapes shapes;
  std::vector<Tensor> tensors;     // in the model's input order
  std::vector<std::string> notes;  // one line per generated input
};

// Given files must match the input's dtype, rank and static dims (clear error otherwise).
// Missing inputs get a shape with symbolic dims from the given files, then `dims`, else 1 (or 0
// for dims named like a past/cache length), and seeded values: f32/f16 uniform in [-1, 1),
// integer "*mask*" inputs ones, "*position*" inputs 0..S-1 offset by the past length, other
// integers uniform in [0, 4), bool true. With `generate` false (timing-only runs, which compute
// nothing) they are zeros instead, allocated lazily: no data is generated or touched.
ModelInputs build_inputs(const onnx::OnnxModel& model,
                         const std::map<std::string, std::string>& files,
                         const std::map<std::string, int64_t>& dims = {}, uint64_t seed = 0,
                         bool generate = true);

}  // namespace nuri::rt
