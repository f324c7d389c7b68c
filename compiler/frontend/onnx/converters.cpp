#include "compiler/frontend/onnx/converters.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "kernels/cpu/half.h"

namespace nuri::onnx {

const Converter* find_converter(const std::string& op_type) {
  static const std::unordered_map<std::string, Converter> table = [] {
    std::unordered_map<std::string, Converter> t;
    for (const ConverterTable* part :
         {&math_converters(), &shape_converters(), &logic_converters()})
      for (const auto& [name, fn] : *part) t.emplace(name, fn);
    return t;
  }();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : &it->second;
}

Ref cast_to(Importer& im, const Ref& r, DType dtype) {
  if (im.type(r).dtype == dtype) return r;
  return im.emit(ir::OpKind::Cast, {r}, {{"to", std::string(dtype_name(dtype))}});
}

Tensor scalar_tensor(DType dtype, double value) {
  Tensor t(dtype, {});
  switch (dtype) {
    case DType::F32:
      *t.data_as<float>() = static_cast<float>(value);
      break;
    case DType::F16:
      *t.data_as<uint16_t>() = kernels::f32_to_f16(static_cast<float>(value));
      break;
    case DType::BF16:
      *t.data_as<uint16_t>() = kernels::f32_to_bf16(static_cast<float>(value));
      break;
    case DType::I8:
      *t.data_as<int8_t>() = static_cast<int8_t>(value);
      break;
    case DType::U8:
      *t.data_as<uint8_t>() = static_cast<uint8_t>(value);
      break;
    case DType::I32:
      *t.data_as<int32_t>() = static_cast<int32_t>(value);
      break;
    case DType::I64:
      *t.data_as<int64_t>() = static_cast<int64_t>(value);
      break;
    case DType::Bool:
      *t.data_as<uint8_t>() = value != 0;
      break;
  }
  return t;
}

double element_f(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::F32:
      return t.data_as<float>()[i];
    case DType::F16:
      return kernels::f16_to_f32(t.data_as<uint16_t>()[i]);
    case DType::BF16:
      return kernels::bf16_to_f32(t.data_as<uint16_t>()[i]);
    case DType::I8:
      return t.data_as<int8_t>()[i];
    case DType::U8:
      return t.data_as<uint8_t>()[i];
    case DType::I32:
      return t.data_as<int32_t>()[i];
    case DType::I64:
      return static_cast<double>(t.data_as<int64_t>()[i]);
    case DType::Bool:
      return t.data_as<uint8_t>()[i];
  }
  return 0;
}

int64_t element_i(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::I8:
      return t.data_as<int8_t>()[i];
    case DType::U8:
      return t.data_as<uint8_t>()[i];
    case DType::I32:
      return t.data_as<int32_t>()[i];
    case DType::I64:
      return t.data_as<int64_t>()[i];
    case DType::Bool:
      return t.data_as<uint8_t>()[i];
    default: {
      const double d = element_f(t, i);
      if (std::isnan(d)) return 0;
      if (d >= 9.2e18) return INT64_MAX;  // saturate instead of an undefined conversion
      if (d <= -9.2e18) return INT64_MIN;
      return static_cast<int64_t>(d);
    }
  }
}

}  // namespace nuri::onnx
