// IEEE binary16 and bfloat16 conversions: round to nearest even; NaN stays NaN (quiet),
// Inf stays Inf, overflow rounds to Inf, and subnormals are produced and read exactly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nuri::kernels {

uint16_t f32_to_f16(float x);
float f16_to_f32(uint16_t h);
uint16_t f32_to_bf16(float x);
float bf16_to_f32(uint16_t b);

void f32_to_f16(const float* src, uint16_t* dst, size_t n);
void f16_to_f32(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32(const uint16_t* src, float* dst, size_t n);

// Rounds every value in place to the nearest f16 / bf16 value (keeps f32 storage).
void round_to_f16(float* x, size_t n);
void round_to_bf16(float* x, size_t n);

}  // namespace nuri::kernels
