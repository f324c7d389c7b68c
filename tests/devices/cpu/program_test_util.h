// Runs one graph on RefProgram and CpuProgram and compares every output.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "devices/cpu/cpu_program.h"
#include "devices/ref/ref_program.h"
#include "tests/devices/cpu/test_util.h"

namespace nuri::cpu::test {

struct Tol {
  double atol = 1e-5, rtol = 1e-5;
};

inline bool describes(const CpuProgram& p, const std::string& needle) {
  for (const std::string& line : p.describe())
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

inline std::string description(const CpuProgram& p) {
  std::string s;
  for (const std::string& line : p.describe()) s += line + "\n";
  return s;
}

// Compares all outputs; returns the cpu program's description for extra checks.
inline std::string expect_matches_ref(const ir::Graph& g, const std::vector<Tensor>& inputs,
                                      Tol tol, CpuOptions options = {}) {
  ref::RefProgram ref(g);
  CpuProgram cpu(g, options);
  const auto want = ref.run(inputs);
  const auto got = cpu.run(inputs);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    EXPECT_TRUE(all_close(got[i], want[i], tol.atol, tol.rtol)) << "output " << i << "\n"
                                                                << description(cpu);
  return description(cpu);
}

}  // namespace nuri::cpu::test
