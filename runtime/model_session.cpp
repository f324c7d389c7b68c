#include "runtime/model_session.h"

#include <fmt/format.h>

namespace nuri::rt {

ModelSession::ModelSession(onnx::OnnxModel model, SessionOptions options,
                           onnx::ImportOptions import, DeviceRegistry& registry)
    : ModelSession(std::make_shared<const onnx::OnnxModel>(std::move(model)), std::move(options),
                   import, registry) {}

ModelSession::ModelSession(std::shared_ptr<const onnx::OnnxModel> model, SessionOptions options,
                           onnx::ImportOptions import, DeviceRegistry& registry)
    : model_(std::move(model)), options_(std::move(options)), import_(import), registry_(registry) {
  // The import already ran the passes (or was asked not to); the session need not repeat them.
  options_.fuse = options_.fuse && import_.fuse;
}

Session& ModelSession::session_for(const std::vector<Tensor>& inputs) {
  return session_for(views_of(inputs));
}

Session& ModelSession::session_for(const std::vector<TensorView>& inputs) {
  const auto& specs = model_->inputs();
  if (inputs.size() != specs.size())
    throw Error(fmt::format("{}: the model takes {} inputs, got {}", model_->label(), specs.size(),
                            inputs.size()));
  std::vector<Shape> key;
  onnx::InputShapes shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype != specs[i].dtype)
      throw Error(fmt::format("{}: input '{}' must be {}, got {}", model_->label(), specs[i].name,
                              dtype_name(specs[i].dtype), dtype_name(inputs[i].dtype)));
    key.push_back(inputs[i].shape);
    shapes[specs[i].name] = inputs[i].shape;
  }
  auto it = cache_.find(key);
  if (it == cache_.end())
    it = cache_
             .emplace(key, std::make_unique<Session>(model_->specialize(shapes, import_), options_,
                                                     registry_))
             .first;
  last_ = it->second.get();
  return *it->second;
}

std::vector<Tensor> ModelSession::run(const std::vector<Tensor>& inputs) {
  return session_for(inputs).run(inputs);
}

}  // namespace nuri::rt
