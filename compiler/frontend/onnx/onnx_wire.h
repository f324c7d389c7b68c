// A pass over a serialized ONNX model at the protobuf wire level that takes the top-level
// initializers' raw_data payloads out: protobuf then parses only the model's structure and the
// weights stay where they lie (a mapped file), neither copied into the parsed proto nor read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace nuri::onnx {

struct RawDataSpan {
  bool present = false;  // the initializer had a raw_data field
  size_t offset = 0;     // where its bytes start in the serialized model
  size_t size = 0;
};

struct StrippedModel {
  std::string bytes;                  // the model without the initializers' raw_data fields
  std::vector<RawDataSpan> raw_data;  // per graph.initializer, in order
};

// Nullopt when the bytes are not the protobuf layout expected (the caller then parses them
// whole, which reports what is wrong).
std::optional<StrippedModel> strip_initializer_data(const std::byte* data, size_t size);

}  // namespace nuri::onnx
