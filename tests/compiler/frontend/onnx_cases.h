// The exported model cases under tests/data/onnx/cases (scripts/generate_onnx_models.py): a
// model file name and torch's inputs and outputs as .npy files. Shared by every test that runs
// them (the frontend against ref, devices against torch).
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/frontend/onnx/onnx_model.h"
#include "nuri/tensor.hpp"
#include "runtime/npy.h"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri::testing {

struct OnnxCase {
  std::string model;  // file under tests/data/onnx
  std::vector<std::pair<std::string, Tensor>> inputs, outputs;
};

// Reads cases/<name>: model.txt, in_<k>_<input>.npy, out_<k>_<output>.npy.
inline OnnxCase load_case(const std::string& name) {
  OnnxCase c;
  const std::string dir = onnx_data("cases/" + name);
  std::ifstream(dir + "/model.txt") >> c.model;
  std::map<int, std::pair<std::string, std::string>> ins, outs;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (e.path().extension() != ".npy") continue;
    const bool is_in = f.rfind("in_", 0) == 0;
    const std::string rest = f.substr(is_in ? 3 : 4);
    const size_t us = rest.find('_');
    const int k = std::stoi(rest.substr(0, us));
    const std::string io_name = rest.substr(us + 1, rest.size() - us - 1 - 4);
    (is_in ? ins : outs)[k] = {io_name, e.path().string()};
  }
  for (auto& [k, p] : ins) c.inputs.emplace_back(p.first, rt::read_npy(p.second));
  for (auto& [k, p] : outs) c.outputs.emplace_back(p.first, rt::read_npy(p.second));
  return c;
}

// A case's model specialized to the shapes of its inputs, and those inputs in order.
struct SpecializedCase {
  ir::Graph graph;
  std::vector<Tensor> inputs;
};

inline SpecializedCase specialize_case(const OnnxCase& c, bool fuse = true) {
  const auto model = onnx::OnnxModel::load(onnx_data(c.model));
  onnx::InputShapes shapes;
  SpecializedCase s;
  for (const auto& [n, t] : c.inputs) {
    shapes[n] = t.shape();
    s.inputs.push_back(t);
  }
  s.graph = model.specialize(shapes, {fuse});
  return s;
}

}  // namespace nuri::testing
