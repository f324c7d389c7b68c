#include "compiler/frontend/onnx/onnx_tensor.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>

#include "nuri/error.hpp"

namespace nuri::onnx {
namespace {

using ::onnx::TensorProto;

[[noreturn]] void fail(const TensorProto& p, const std::string& msg) {
  throw Error(fmt::format("onnx tensor '{}': {}", p.name(), msg));
}

// The bytes [offset, offset+length) of an external-data file next to the model, mapped.
TensorBytes map_external(const TensorProto& p, ExternalData& external, size_t want) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      fail(p, fmt::format("external data entry '{}' has a bad value '{}'", kv.key(), kv.value()));
    }
  }
  if (location.empty()) fail(p, "external data has no location");
  if (external.base_dir().empty())
    fail(p,
         fmt::format("external data '{}' needs the model's folder (load from a file)", location));
  const std::filesystem::path rel(location);
  if (rel.is_absolute() || location.find("..") != std::string::npos)
    fail(p, fmt::format("external data location '{}' must be a path inside the model's folder",
                        location));
  if (offset < 0 || (length >= 0 && static_cast<size_t>(length) != want))
    fail(p, fmt::format("external data '{}': offset {} / length {} do not fit {} bytes", location,
                        offset, length, want));
  const std::string path = (std::filesystem::path(external.base_dir()) / rel).string();
  std::shared_ptr<const ir::MappedFile> file;
  try {
    file = external.file(path);
  } catch (const Error& e) {
    fail(p, fmt::format("external data file '{}' cannot be opened ({})", path, e.what()));
  }
  if (static_cast<uint64_t>(offset) + want > file->size())
    fail(p, fmt::format("external data file '{}' has {} bytes; the tensor needs bytes [{}, {})",
                        path, file->size(), offset, offset + static_cast<int64_t>(want)));
  return {file->data() + offset, want, file};
}

template <typename Src, typename Dst>
void copy_field(const TensorProto& p, const google::protobuf::RepeatedField<Src>& field, Tensor& t,
                const char* field_name) {
  if (field.size() != t.numel())
    fail(p, fmt::format("{} holds {} values, expected {} for shape {}", field_name, field.size(),
                        t.numel(), shape_str(t.shape())));
  Dst* dst = t.data_as<Dst>();
  for (int i = 0; i < field.size(); ++i) dst[i] = static_cast<Dst>(field.Get(i));
}

int64_t typed_count(const TensorProto& p) {
  switch (p.data_type()) {
    case TensorProto::FLOAT:
      return p.float_data_size();
    case TensorProto::DOUBLE:
      return p.double_data_size();
    case TensorProto::INT64:
      return p.int64_data_size();
    default:
      return p.int32_data_size();
  }
}

// Any nonzero byte is true; bools are kept canonical (0/1).
bool bools_canonical(const std::byte* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (static_cast<uint8_t>(b[i]) > 1) return false;
  return true;
}
void canonical_bools(Tensor& t) {
  auto* b = t.data_as<uint8_t>();
  for (int64_t i = 0; i < t.numel(); ++i) b[i] = b[i] != 0;
}

}  // namespace

void copy_typed(const TensorProto& p, Tensor& t);

std::optional<DType> dtype_from_onnx(int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::FLOAT:
      return DType::F32;
    case TensorProto::DOUBLE:
      return DType::F32;
    case TensorProto::FLOAT16:
      return DType::F16;
    case TensorProto::BFLOAT16:
      return DType::BF16;
    case TensorProto::INT8:
      return DType::I8;
    case TensorProto::UINT8:
      return DType::U8;
    case TensorProto::INT32:
      return DType::I32;
    case TensorProto::INT64:
      return DType::I64;
    case TensorProto::BOOL:
      return DType::Bool;
    default:
      return std::nullopt;
  }
}

std::string onnx_type_name(int32_t elem_type) {
  if (TensorProto::DataType_IsValid(elem_type))
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
  return fmt::format("type#{}", elem_type);
}

int64_t checked_numel(const Shape& shape, const std::string& what, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw Error(fmt::format("{}: negative dimension in shape {}", what, shape_str(shape)));
    if (d != 0 && n > limit / d)
      throw Error(fmt::format("{}: shape {} is too large (over {} elements)", what,
                              shape_str(shape), limit));
    n *= d;
  }
  return n;
}

std::shared_ptr<const ir::MappedFile> ExternalData::file(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& f = files_[path];
  if (!f) f = ir::MappedFile::open(path);
  return f;
}

Tensor tensor_from_proto(const TensorProto& p, const std::string& base_dir) {
  ExternalData external(base_dir);
  return tensor_from_proto(p, external);
}

Tensor tensor_from_proto(const TensorProto& p, ExternalData& external, const TensorBytes* raw) {
  const auto dtype = dtype_from_onnx(p.data_type());
  if (!dtype)
    fail(p, fmt::format("element type {} is not supported (f32, f64, f16, bf16, int8, int32, "
                        "int64, bool are)",
                        onnx_type_name(p.data_type())));
  if (p.has_segment()) fail(p, "segmented tensors are not supported");
  Shape shape(p.dims().begin(), p.dims().end());
  const int64_t numel = checked_numel(shape, fmt::format("onnx tensor '{}'", p.name()));
  const bool is_double = p.data_type() == TensorProto::DOUBLE;
  const size_t file_elem = is_double ? 8 : dtype_size(*dtype);
  const size_t want = static_cast<size_t>(numel) * file_elem;
  const bool external_data = p.data_location() == TensorProto::EXTERNAL;
  // Where the bytes are; checked against the shape before anything is allocated, so a corrupt
  // shape cannot exhaust memory.
  TensorBytes bytes;
  if (external_data) {
    bytes = map_external(p, external, want);
  } else if (raw) {
    bytes = *raw;
  } else if (p.has_raw_data()) {
    bytes = {reinterpret_cast<const std::byte*>(p.raw_data().data()), p.raw_data().size(), nullptr};
  } else if (typed_count(p) != numel) {
    fail(p, fmt::format("holds {} values, expected {} for shape {}", typed_count(p), numel,
                        shape_str(shape)));
  }
  const bool has_bytes = external_data || raw || p.has_raw_data();
  if (has_bytes && bytes.size != want)
    fail(p, fmt::format("raw data has {} bytes, expected {} for {}{}", bytes.size, want,
                        onnx_type_name(p.data_type()), shape_str(shape)));
  if (!has_bytes) {
    Tensor t(*dtype, shape);
    copy_typed(p, t);
    if (*dtype == DType::Bool) canonical_bools(t);
    return t;
  }
  // Mapped bytes are used where they lie, at whatever alignment the exporter gave them: devices
  // that declare unaligned constants pack from them directly; typed readers get an aligned copy
  // (Tensor::aligned_data), and the runtime copies for devices that need aligned data.
  if (bytes.owner && !is_double && (*dtype != DType::Bool || bools_canonical(bytes.data, want)))
    return Tensor::view(*dtype, shape, bytes.data, bytes.owner);
  Tensor t(*dtype, shape);
  if (is_double) {
    float* dst = t.data_as<float>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double d;
      std::memcpy(&d, bytes.data + i * 8, 8);
      dst[i] = static_cast<float>(d);
    }
  } else if (want > 0) {
    std::memcpy(t.data(), bytes.data, want);
  }
  // The copy stands in for the mapped bytes: their pages need not stay resident beside it.
  if (bytes.owner) ir::release_mapped_pages(bytes.data, bytes.size);
  if (*dtype == DType::Bool) canonical_bools(t);
  return t;
}

void copy_typed(const TensorProto& p, Tensor& t) {
  switch (p.data_type()) {
    case TensorProto::FLOAT:
      copy_field<float, float>(p, p.float_data(), t, "float_data");
      break;
    case TensorProto::DOUBLE:
      copy_field<double, float>(p, p.double_data(), t, "double_data");
      break;
    case TensorProto::INT64:
      copy_field<int64_t, int64_t>(p, p.int64_data(), t, "int64_data");
      break;
    case TensorProto::INT32:
      copy_field<int32_t, int32_t>(p, p.int32_data(), t, "int32_data");
      break;
    case TensorProto::INT8:
      copy_field<int32_t, int8_t>(p, p.int32_data(), t, "int32_data");
      break;
    case TensorProto::UINT8:
      copy_field<int32_t, uint8_t>(p, p.int32_data(), t, "int32_data");
      break;
    case TensorProto::BOOL:
      copy_field<int32_t, uint8_t>(p, p.int32_data(), t, "int32_data");
      break;
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      copy_field<int32_t, uint16_t>(p, p.int32_data(), t, "int32_data");
      break;
    default:
      fail(p, "has no data");
  }
}

}  // namespace nuri::onnx
