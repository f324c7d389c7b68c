// ONNX TensorProto <-> nuri::Tensor: element types, typed and raw data, external-data files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nuri/tensor.hpp"

namespace onnx {
class TensorProto;
}

namespace nuri::onnx {

// Maps an ONNX element type (TensorProto::DataType) to a Nuri dtype. DOUBLE maps to F32 (values
// are narrowed); unsupported types give nullopt.
std::optional<DType> dtype_from_onnx(int32_t elem_type);
// The ONNX name of an element type, for messages ("UINT8").
std::string onnx_type_name(int32_t elem_type);

// Guards against shapes a corrupt file makes huge: any tensor (elements; data must still be in
// the file), and tensors the importer creates itself by folding (ConstantOfShape, Range, ...).
inline constexpr int64_t kMaxConstantElements = int64_t{1} << 40;
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;
// Element count of `shape`, throwing (naming `what`) on a negative dim or one past `limit`.
int64_t checked_numel(const Shape& shape, const std::string& what,
                      int64_t limit = kMaxConstantElements);

// Decodes a TensorProto; `base_dir` resolves external data ("" forbids it). Errors name the
// tensor and what is wrong (type, size, missing file).
Tensor tensor_from_proto(const ::onnx::TensorProto& proto, const std::string& base_dir);

}  // namespace nuri::onnx
