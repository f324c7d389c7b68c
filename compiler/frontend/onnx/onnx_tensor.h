// ONNX TensorProto <-> nuri::Tensor: element types, typed and raw data, external-data files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "compiler/ir/mapped_file.h"
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

// Bytes of a tensor that lie outside its proto (raw data the loader kept out of the parsed model),
// kept alive by `owner`.
struct TensorBytes {
  const std::byte* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> owner;
};

// A model's external-data files, each mapped once on first use; `base_dir` ("" forbids external
// data) resolves their locations. Safe to use from several threads.
class ExternalData {
 public:
  explicit ExternalData(std::string base_dir) : base_dir_(std::move(base_dir)) {}
  const std::string& base_dir() const { return base_dir_; }
  std::shared_ptr<const ir::MappedFile> file(const std::string& path);

 private:
  std::string base_dir_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ir::MappedFile>> files_;
};

// Decodes a TensorProto: its data from `raw` when given (instead of the proto's raw_data), from
// a mapped external-data file, or from the proto. Data that stays mapped and is aligned for its
// dtype becomes a view (no copy) that keeps the mapping alive; anything else is copied. Errors
// name the tensor and what is wrong (type, size, missing file).
Tensor tensor_from_proto(const ::onnx::TensorProto& proto, ExternalData& external,
                         const TensorBytes* raw = nullptr);
// The same with external data resolved relative to `base_dir` ("" forbids it).
Tensor tensor_from_proto(const ::onnx::TensorProto& proto, const std::string& base_dir);

}  // namespace nuri::onnx
