// libFuzzer target for the ONNX importer: any bytes must either import or fail with
// nuri::Error; any other exception, crash or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/frontend/onnx/onnx_model.h"
#include "nuri/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto model = nuri::onnx::OnnxModel::from_bytes(bytes, "", "fuzz.onnx");
    // Dynamic dims at 2, so shape arithmetic, folding and every fusion pass run.
    model.specialize(model.default_shapes(2));
  } catch (const nuri::Error&) {
    // A clear error is the expected outcome for bad input.
  }
  return 0;
}
