// Loads an ONNX model, runs it on the NPU simulator with the cpu as fallback (inputs zero,
// dynamic dims 1), and prints where each node ran and the simulated time.
// Usage: nuri_example_cpp MODEL.onnx
#include <cstdio>
#include <nuri/nuri.hpp>

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx\n", argv[0]);
    return 2;
  }
  const nuri::Model model = nuri::Model::load_onnx(argv[1]);
  nuri::SessionOptions options;
  options.devices = {"npu", "cpu"};
  options.device_options["npu"]["config"] = "atom-like";
  nuri::Session session(model, options);
  std::vector<nuri::Tensor> inputs;
  for (const nuri::ValueInfo& in : model.inputs()) {
    nuri::Shape shape;
    for (int64_t d : in.shape) shape.push_back(d < 0 ? 1 : d);  // dynamic dims: 1
    inputs.emplace_back(in.dtype, shape);                       // zeros
  }
  const std::vector<nuri::Tensor> outputs = session.run(inputs);
  for (size_t i = 0; i < outputs.size(); ++i)
    std::printf("output %s: %s\n", model.outputs()[i].name.c_str(),
                nuri::shape_str(outputs[i].shape()).c_str());
  std::printf("%s", session.placement().c_str());
  std::printf("report: %s\n", session.report_json().c_str());
  return 0;
} catch (const nuri::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
