// Reading and writing NumPy .npy files (format versions 1-3, little-endian, C order) for
// f32, f16, i8, i32, i64 and bool tensors.
#pragma once

#include <string>

#include "nuri/tensor.hpp"

namespace nuri::rt {

// Throws nuri::Error naming the file: unreadable, not a .npy, an unsupported dtype (with the
// dtype named), Fortran order, or a data size that does not match the shape.
Tensor read_npy(const std::string& path);
Tensor parse_npy(const std::string& bytes, const std::string& label);

// Throws for bf16, which has no NumPy dtype.
void write_npy(const std::string& path, const Tensor& tensor);
std::string npy_bytes(const Tensor& tensor);

}  // namespace nuri::rt
