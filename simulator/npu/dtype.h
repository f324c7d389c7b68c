// Element types the NPU moves and computes: bf16/int8 operands, f32/int32 accumulators.
#pragma once

#include <cstdint>
#include <string>

namespace nuri::sim::npu {

enum class DType : uint8_t { BF16, I8, F32, I32 };

constexpr uint32_t dtype_size(DType t) {
  return t == DType::I8 ? 1u : (t == DType::BF16 ? 2u : 4u);
}
// The accumulator type the systolic array uses for an operand type.
constexpr DType accum_dtype(DType t) {
  return t == DType::I8 ? DType::I32 : DType::F32;
}

const char* dtype_name(DType t);
// Parses "bf16", "int8", "f32", "int32"; throws nuri::Error naming `context` otherwise.
DType parse_dtype(const std::string& s, const std::string& context);

}  // namespace nuri::sim::npu
