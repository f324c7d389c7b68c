// The NPU's simulated figures must not move when the simulator gets faster: a set of graphs (a
// GEMM sweep over shapes and presets, a GPT-2-style model, Llama-style attention, the
// command-level DRAM model under the NPU) is run timing-only and its cycles, bytes and energy
// are compared, bit for bit, with the figures the code produced before the speed work.
// scripts/record_npu_pinned_cycles.sh rewrites data/npu_pinned_cycles.json (set
// NURI_RECORD_PINNED_CYCLES=1): do that only for a change meant to alter simulated timing.
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/ir/builder.h"
#include "compiler/models/catalogue.h"
#include "runtime/session.h"
#include "tests/devices/npu/npu_test_registry.h"

namespace nuri {
namespace {

struct Case {
  std::string name, options;
  std::function<ir::Graph()> graph;
  std::vector<Tensor> inputs;
};

ir::Graph gemm(int64_t m, int64_t k, int64_t n) {
  ir::GraphBuilder b("gemm");
  const ir::ValueId x = b.input("x", DType::F32, {m, k});
  b.output(b.matmul(x, b.constant_placeholder("w", DType::F32, {k, n})));
  return b.build();
}

Case builtin(const std::string& model, const ir::ModelSizes& sizes, const std::string& options) {
  const ir::BuiltinModel probe = ir::build_builtin_model(model, sizes, 1, false);
  return {model + " " + options,
          options,
          [=] { return ir::build_builtin_model(model, sizes, 1, false).graph; },
          {probe.ids}};
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const int64_t shapes[][3] = {{1, 768, 768},   {128, 768, 768},   {128, 768, 3072},
                               {200, 300, 500}, {64, 4096, 11008}, {7, 129, 257}};
  for (const char* options : {"config=rngd-like;timing_only=1", "config=atom-like;timing_only=1",
                              "config=rngd-like;timing_only=1;dram=HBM3"})
    for (const auto& s : shapes)
      out.push_back({fmt::format("gemm {}x{}x{} {}", s[0], s[1], s[2], options),
                     options,
                     [=] { return gemm(s[0], s[1], s[2]); },
                     {Tensor(DType::F32, {s[0], s[1]})}});
  out.push_back(builtin("demo", {}, "config=rngd-like;timing_only=1"));
  out.push_back(builtin("gpt2-small", {.layers = 1, .seq = 64}, "config=atom-like;timing_only=1"));
  // Llama-style attention (rotary, causal mask, SiLU MLP) on one layer.
  out.push_back(builtin("llama2-7b",
                        {.layers = 1, .d_model = 512, .heads = 8, .vocab = 1000, .seq = 96},
                        "config=rngd-like;timing_only=1"));
  // The command-level DRAM model under the NPU keeps state across transfers: pin it too.
  out.push_back(builtin("demo", {}, "config=atom-like;timing_only=1;dram=HBM3"));
  return out;
}

nlohmann::json figures(const Case& c) {
  rt::SessionOptions o;
  o.devices = {"npu"};
  o.fallback_device = "ref";
  o.device_options["npu"] = c.options;
  rt::Session s(c.graph(), o, npu_test::builtin_registry());
  s.run(c.inputs);
  nlohmann::json parts = nlohmann::json::array();
  for (const rt::PartitionStats& p : s.last_stats()) {
    if (p.device != "npu") continue;
    // Doubles as their bit patterns: the comparison is exact, not within a tolerance.
    parts.push_back({{"cycles", p.stats.cycles},
                     {"bytes_moved", p.stats.bytes_moved},
                     {"elapsed_ns_bits", std::bit_cast<uint64_t>(p.stats.elapsed_ns)},
                     {"energy_joules_bits", std::bit_cast<uint64_t>(p.stats.energy_joules)}});
  }
  return parts;
}

TEST(NpuPinnedCycles, SimulatedFiguresAreBitIdenticalToThePinnedOnes) {
  const std::string path = NURI_NPU_PINNED_CYCLES;
  nlohmann::json got = nlohmann::json::object();
  for (const Case& c : cases()) got[c.name] = figures(c);
  if (std::getenv("NURI_RECORD_PINNED_CYCLES")) {
    std::ofstream(path) << got.dump(1) << "\n";
    GTEST_SKIP() << "recorded " << path;
  }
  std::ifstream f(path);
  ASSERT_TRUE(f) << "cannot read " << path;
  const nlohmann::json want = nlohmann::json::parse(f);
  ASSERT_EQ(want.size(), got.size()) << "the case list changed: re-record " << path;
  for (const auto& [name, parts] : want.items()) {
    ASSERT_TRUE(got.contains(name)) << "case '" << name << "' is no longer run";
    EXPECT_EQ(got[name], parts) << name;
    EXPECT_GT(parts.at(0).at("cycles").get<uint64_t>(), 0u) << name;
  }
}

}  // namespace
}  // namespace nuri
