#include "runtime/model_inputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "kernels/cpu/half.h"
#include "nuri/error.hpp"
#include "runtime/npy.h"

namespace nuri::rt {
namespace {

bool contains(const std::string& s, const char* word) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower.find(word) != std::string::npos;
}

bool is_past_dim(const std::string& param) {
  return contains(param, "past") || contains(param, "cache");
}

Tensor random_input(const onnx::OnnxInput& in, const Shape& shape, int64_t past,
                    std::mt19937_64& rng, std::string& how) {
  Tensor t(in.dtype, shape);
  const int64_t n = t.numel();
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  switch (in.dtype) {
    case DType::F32:
      for (int64_t i = 0; i < n; ++i) t.data_as<float>()[i] = uni(rng);
      how = "uniform [-1, 1)";
      break;
    case DType::F16:
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i)
        t.data_as<uint16_t>()[i] =
            in.dtype == DType::F16 ? kernels::f32_to_f16(uni(rng)) : kernels::f32_to_bf16(uni(rng));
      how = "uniform [-1, 1)";
      break;
    case DType::Bool:
      std::fill(t.data_as<uint8_t>(), t.data_as<uint8_t>() + n, 1);
      how = "all true";
      break;
    default: {
      const int64_t last = shape.empty() ? 1 : std::max<int64_t>(shape.back(), 1);
      auto put = [&](int64_t i, int64_t v) {
        if (in.dtype == DType::I64) t.data_as<int64_t>()[i] = v;
        if (in.dtype == DType::I32) t.data_as<int32_t>()[i] = static_cast<int32_t>(v);
        if (in.dtype == DType::I8) t.data_as<int8_t>()[i] = static_cast<int8_t>(v);
        if (in.dtype == DType::U8) t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v);
      };
      if (contains(in.name, "mask")) {
        for (int64_t i = 0; i < n; ++i) put(i, 1);
        how = "all ones";
      } else if (contains(in.name, "position")) {
        for (int64_t i = 0; i < n; ++i) put(i, past + i % last);
        how = fmt::format("positions {}..{}", past, past + last - 1);
      } else {
        std::uniform_int_distribution<int64_t> ids(0, 3);
        for (int64_t i = 0; i < n; ++i) put(i, ids(rng));
        how = "uniform integers in [0, 4)";
      }
    }
  }
  return t;
}

}  // namespace

onnx::OnnxModel load_model(const std::string& path) {
  return onnx::OnnxModel::load(path);
}

std::map<std::string, std::string> parse_input_args(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size())
      throw Error(fmt::format("input '{}' must be NAME=FILE.npy", p));
    if (!out.emplace(p.substr(0, eq), p.substr(eq + 1)).second)
      throw Error(fmt::format("input '{}' is given twice", p.substr(0, eq)));
  }
  return out;
}

std::map<std::string, int64_t> parse_dim_args(const std::vector<std::string>& pairs) {
  std::map<std::string, int64_t> out;
  for (const std::string& p : pairs) {
    const size_t eq = p.find('=');
    int64_t v = -1;
    size_t used = 0;
    if (eq != std::string::npos && eq > 0) {
      try {
        v = std::stoll(p.substr(eq + 1), &used);
      } catch (const std::exception&) {
        v = -1;
      }
    }
    if (v < 0 || used == 0 || eq + 1 + used != p.size())
      throw Error(fmt::format("dim '{}' must be NAME=SIZE with SIZE >= 0", p));
    out[p.substr(0, eq)] = v;
  }
  return out;
}

ModelInputs build_inputs(const onnx::OnnxModel& model,
                         const std::map<std::string, std::string>& files,
                         const std::map<std::string, int64_t>& dims, uint64_t seed, bool generate) {
  for (const auto& [name, file] : files) {
    bool known = false;
    for (const auto& in : model.inputs()) known = known || in.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& in : model.inputs()) names.push_back(in.name);
      throw Error(fmt::format("{}: the model has no input '{}' (inputs: {})", model.label(), name,
                              fmt::join(names, ", ")));
    }
  }
  std::set<std::string> symbolic;  // the model's dynamic dim names, for --dim
  for (const auto& in : model.inputs())
    for (const onnx::OnnxDim& d : in.dims)
      if (!d.param.empty()) symbolic.insert(d.param);
  for (const auto& [name, size] : dims)
    if (!symbolic.count(name))
      throw Error(fmt::format(
          "--dim {}={}: {} has no dynamic dimension named '{}' ({})", name, size, model.label(),
          name,
          symbolic.empty() ? std::string("all its input dims are fixed")
                           : fmt::format("its dynamic dims: {}", fmt::join(symbolic, ", "))));
  ModelInputs out;
  std::map<std::string, int64_t> params(dims.begin(), dims.end());
  std::map<std::string, Tensor> given;
  // Given files first: they fix the symbolic dims the generated inputs then share.
  for (const auto& in : model.inputs()) {
    auto f = files.find(in.name);
    if (f == files.end()) continue;
    Tensor t = read_npy(f->second);
    if (t.dtype() != in.dtype)
      throw Error(fmt::format("input '{}' ({}): dtype is {}, the model wants {}", in.name,
                              f->second, dtype_name(t.dtype()), dtype_name(in.dtype)));
    if (t.rank() != static_cast<int64_t>(in.dims.size()))
      throw Error(fmt::format("input '{}' ({}): shape {} has rank {}, the model wants rank {}",
                              in.name, f->second, shape_str(t.shape()), t.rank(), in.dims.size()));
    for (size_t d = 0; d < in.dims.size(); ++d) {
      const onnx::OnnxDim& dim = in.dims[d];
      if (dim.size >= 0 && dim.size != t.shape()[d])
        throw Error(fmt::format("input '{}' ({}): shape {} has {} at dim {}, the model wants {}",
                                in.name, f->second, shape_str(t.shape()), t.shape()[d], d,
                                dim.size));
      if (!dim.param.empty()) {
        auto [it, inserted] = params.emplace(dim.param, t.shape()[d]);
        if (!inserted && it->second != t.shape()[d])
          throw Error(fmt::format("input '{}' ({}): dim {} ('{}') is {} but is {} elsewhere",
                                  in.name, f->second, d, dim.param, t.shape()[d], it->second));
      }
    }
    given.emplace(in.name, std::move(t));
  }
  std::mt19937_64 rng(seed);
  int64_t past = 0;
  for (const auto& [p, v] : params)
    if (is_past_dim(p)) past = v;
  for (const auto& in : model.inputs()) {
    auto g = given.find(in.name);
    if (g != given.end()) {
      out.shapes[in.name] = g->second.shape();
      out.tensors.push_back(g->second);
      continue;
    }
    Shape shape;
    for (const onnx::OnnxDim& d : in.dims) {
      if (d.size >= 0) {
        shape.push_back(d.size);
      } else {
        auto it = params.find(d.param);
        const int64_t v = it != params.end() ? it->second : (is_past_dim(d.param) ? 0 : 1);
        if (!d.param.empty()) params.emplace(d.param, v);
        shape.push_back(v);
      }
    }
    std::string how = "zeros, never touched (timing only)";
    out.tensors.push_back(generate ? random_input(in, shape, past, rng, how)
                                   : Tensor(in.dtype, shape));
    out.shapes[in.name] = shape;
    out.notes.push_back(fmt::format("input '{}' not given: using {}{} filled with {}{}", in.name,
                                    dtype_name(in.dtype), shape_str(shape), how,
                                    generate ? fmt::format(" (seed {})", seed) : ""));
  }
  return out;
}

}  // namespace nuri::rt
