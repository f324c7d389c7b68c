// Shared helpers of the ONNX op converters and the per-file converter tables.
#pragma once

#include <utility>
#include <vector>

#include "compiler/frontend/onnx/importer.h"

namespace nuri::onnx {

using ConverterTable = std::vector<std::pair<const char*, Converter>>;
const ConverterTable& math_converters();   // convert_math.cpp
const ConverterTable& shape_converters();  // convert_shape.cpp
const ConverterTable& logic_converters();  // convert_logic.cpp

// A value converted to `dtype` (a Cast op, folded when the value is known).
Ref cast_to(Importer& im, const Ref& r, DType dtype);
// Scalar constant of a dtype.
Tensor scalar_tensor(DType dtype, double value);
// Reads element i of a numeric tensor as double / int64.
double element_f(const Tensor& t, int64_t i);
int64_t element_i(const Tensor& t, int64_t i);

}  // namespace nuri::onnx
