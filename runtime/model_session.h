// Sessions for models with dynamic axes: the model is specialized to the shapes of the inputs
// it is given, compiled once per distinct set of shapes, and the compiled session cached.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/frontend/onnx/onnx_model.h"
#include "runtime/session.h"

namespace nuri::rt {

class ModelSession {
 public:
  ModelSession(onnx::OnnxModel model, SessionOptions options, onnx::ImportOptions import = {},
               DeviceRegistry& registry = DeviceRegistry::global());
  // Several sessions may share one loaded model (specialize() is const).
  ModelSession(std::shared_ptr<const onnx::OnnxModel> model, SessionOptions options,
               onnx::ImportOptions import = {},
               DeviceRegistry& registry = DeviceRegistry::global());

  // Inputs in the model's input order. Compiles on the first call with these shapes.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // The compiled session for these input shapes (compiling it if new).
  Session& session_for(const std::vector<Tensor>& inputs);
  Session& session_for(const std::vector<TensorView>& inputs);
  // The session the last session_for() returned (nullptr before the first).
  Session* last_session() const { return last_; }

  const onnx::OnnxModel& model() const { return *model_; }
  size_t compiled_shapes() const { return cache_.size(); }

 private:
  std::shared_ptr<const onnx::OnnxModel> model_;
  Session* last_ = nullptr;
  SessionOptions options_;
  onnx::ImportOptions import_;
  DeviceRegistry& registry_;
  std::map<std::vector<Shape>, std::unique_ptr<Session>> cache_;
};

}  // namespace nuri::rt
