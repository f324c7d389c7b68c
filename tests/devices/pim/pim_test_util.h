// Helpers shared by the `pim` device tests: seeded inputs and where a session placed a node.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "compiler/models/seeded_random.h"
#include "kernels/cpu/half.h"
#include "nuri/tensor.hpp"
#include "runtime/session.h"

namespace nuri::pim {

// Values uniform in [-scale, scale), rounded to dt (f32, f16 or bf16); `ref` gets the rounded
// values as floats.
inline Tensor random_tensor(DType dt, Shape shape, uint64_t seed, double scale,
                            std::vector<float>* ref = nullptr) {
  Tensor t(dt, std::move(shape));
  ir::SeededRandom rng(seed);
  std::vector<float> f(size_t(t.numel()));
  for (float& v : f) v = static_cast<float>(rng.uniform(-scale, scale));
  if (dt == DType::F32) {
    std::memcpy(t.data(), f.data(), f.size() * sizeof(float));
  } else if (dt == DType::F16) {
    kernels::f32_to_f16(f.data(), t.data_as<uint16_t>(), f.size());
    kernels::f16_to_f32(t.data_as<uint16_t>(), f.data(), f.size());
  } else {
    kernels::f32_to_bf16(f.data(), t.data_as<uint16_t>(), f.size());
    kernels::bf16_to_f32(t.data_as<uint16_t>(), f.data(), f.size());
  }
  if (ref) *ref = std::move(f);
  return t;
}

// The device the session placed node `node` on ("?" if there is no such node).
inline std::string device_of(const rt::Session& s, const std::string& node) {
  const ir::Graph& g = s.graph();
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (g.nodes()[i].name == node)
      return s.devices().at(size_t(s.plan().target_of_node.at(i)))->name();
  return "?";
}

}  // namespace nuri::pim
