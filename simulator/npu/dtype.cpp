#include "simulator/npu/dtype.h"

#include "nuri/error.hpp"

namespace nuri::sim::npu {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::BF16:
      return "bf16";
    case DType::I8:
      return "int8";
    case DType::F32:
      return "f32";
    case DType::I32:
      return "int32";
  }
  return "?";
}

DType parse_dtype(const std::string& s, const std::string& context) {
  if (s == "bf16") return DType::BF16;
  if (s == "int8") return DType::I8;
  if (s == "f32") return DType::F32;
  if (s == "int32") return DType::I32;
  throw Error(context + ": unknown dtype '" + s + "' (expected bf16, int8, f32 or int32)");
}

}  // namespace nuri::sim::npu
