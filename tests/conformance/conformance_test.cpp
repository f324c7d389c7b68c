// Device conformance: each case runs alone (strict, no fallback) on every registered device
// that claims the op, and must match the ref device within the dtype's tolerance. A device
// joins by registration; NURI_PLUGIN_PATH adds plugins. A device must claim what it declares
// (kDeclaredClaims) and something in any case, so claiming nothing cannot pass; the run ends
// with each device's passed / skipped counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>

#include "kernels/cpu/layout.h"
#include "runtime/session.h"
#include "tests/conformance/op_cases.h"

namespace nuri::conformance {
namespace {

std::vector<float> as_f32(const Tensor& t) {
  std::vector<float> v(t.numel());
  kernels::cast(t.data(), static_cast<nuri_dtype>(t.dtype()), v.data(), NURI_DTYPE_F32, t.numel());
  return v;
}

struct Param {
  std::string device;
  size_t case_index;
};

const std::vector<OpCase>& cases() {
  static const std::vector<OpCase> all = all_op_cases();
  return all;
}

std::vector<Param> params() {
  std::vector<Param> out;
  for (const std::string& dev : rt::DeviceRegistry::global().names()) {
    if (dev == "ref") continue;
    for (size_t i = 0; i < cases().size(); ++i) out.push_back({dev, i});
  }
  return out;
}

void PrintTo(const Param& p, std::ostream* os) {
  *os << p.device << " " << cases()[p.case_index].name;
}

// What each device declares it runs (op names): it must claim at least one case of each. A
// device not listed (a plugin) must claim at least one case of any op.
const std::map<std::string, std::set<std::string>> kDeclaredClaims = {
    {"cpu", {}},  // every op: checked against kAllOps below
    {"acme", {"Add", "Mul", "Relu", "Sigmoid"}},
    {"npu", {"MatMul", "Add", "Mul", "Softmax", "Relu"}},
    {"pim", {"MatMul"}},
};

struct Tally {
  int passed = 0, skipped = 0, failed = 0;
};
std::map<std::string, Tally>& tallies() {
  static std::map<std::string, Tally> t;
  return t;
}

// Prints how many cases each device passed and skipped, once all have run.
class TallyPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& [device, t] : tallies())
      std::printf("conformance: %-8s %3d passed, %3d skipped (not claimed), %3d failed\n",
                  device.c_str(), t.passed, t.skipped, t.failed);
  }
};
const auto* const kTallyPrinter = ::testing::AddGlobalTestEnvironment(new TallyPrinter);

class Conformance : public ::testing::TestWithParam<Param> {
 protected:
  void TearDown() override {
    Tally& t = tallies()[GetParam().device];
    if (IsSkipped())
      ++t.skipped;
    else if (HasFailure())
      ++t.failed;
    else
      ++t.passed;
  }
};

TEST_P(Conformance, MatchesRef) {
  const auto& [device, index] = GetParam();
  const OpCase& c = cases()[index];
  rt::DeviceRegistry& reg = rt::DeviceRegistry::global();
  std::shared_ptr<rt::Device> dev;
  try {
    dev = reg.create(device);
  } catch (const Error& e) {
    // A registered device whose driver is missing on this machine (opencl, vulkan) says why; its
    // cases skip with that reason.
    if (e.status() != NURI_ERROR_NOT_FOUND && e.status() != NURI_ERROR_UNSUPPORTED) throw;
    GTEST_SKIP() << e.what();
  }
  const ir::GraphDesc desc(c.graph);
  if (!dev->supports(desc.get(), 0)) GTEST_SKIP() << device << " does not claim " << c.name;

  rt::SessionOptions on_device;
  on_device.devices = {device};
  on_device.strict = true;
  rt::SessionOptions on_ref;
  on_ref.devices = {"ref"};
  on_ref.strict = true;
  rt::Session got_s(c.graph, on_device, reg), want_s(c.graph, on_ref, reg);
  const std::vector<Tensor> got = got_s.run(c.inputs), want = want_s.run(c.inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].dtype(), want[o].dtype());
    ASSERT_EQ(got[o].shape(), want[o].shape());
    // A device that computes f32 in bf16 (say) is held to bf16 tolerances on f32 cases.
    double tol = tolerance_for(want[o].dtype());
    if (want[o].dtype() == DType::F32)
      tol = std::max(tol, tolerance_for(static_cast<DType>(dev->properties().f32_compute_dtype)));
    const std::vector<float> g = as_f32(got[o]), w = as_f32(want[o]);
    // Scaled by the tensor's largest magnitude too: a dot product that cancels to a small
    // value carries the rounding error of its large terms.
    float scale = 1.0f;
    for (float x : w) scale = std::max(scale, std::fabs(x));
    for (size_t i = 0; i < g.size(); ++i)
      ASSERT_NEAR(g[i], w[i], tol * (std::fabs(w[i]) + scale))
          << c.name << " on " << device << ": output " << o << " element " << i;
  }
}

std::string name(const ::testing::TestParamInfo<Param>& info) {
  std::string n = info.param.device + "_" + cases()[info.param.case_index].name;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllDevices, Conformance, ::testing::ValuesIn(params()), name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Conformance);

// Claiming nothing would skip every case and pass; a device must claim what it declares.
TEST(ConformanceClaims, EveryDeviceClaimsWhatItDeclares) {
  rt::DeviceRegistry& reg = rt::DeviceRegistry::global();
  for (const std::string& device : reg.names()) {
    if (device == "ref") continue;
    std::shared_ptr<rt::Device> dev;
    try {
      dev = reg.create(device);
    } catch (const Error& e) {
      // Its driver is missing here (opencl, vulkan): nothing can be claimed or checked.
      if (e.status() != NURI_ERROR_NOT_FOUND && e.status() != NURI_ERROR_UNSUPPORTED) throw;
      std::printf("conformance: %s unavailable: %s\n", device.c_str(), e.what());
      continue;
    }
    std::set<std::string> claimed;
    for (const OpCase& c : cases()) {
      const ir::GraphDesc desc(c.graph);
      if (dev->supports(desc.get(), 0))
        claimed.insert(std::string(ir::op_name(c.graph.nodes()[0].op)));
    }
    EXPECT_FALSE(claimed.empty()) << device << " claims no conformance case";
    auto it = kDeclaredClaims.find(device);
    if (it == kDeclaredClaims.end()) continue;
    std::set<std::string> declared = it->second;
    if (device == "cpu")
      for (ir::OpKind op : ir::kAllOps) declared.insert(std::string(ir::op_name(op)));
    for (const std::string& op : declared)
      EXPECT_TRUE(claimed.count(op)) << device << " declares " << op << " but claims no case of it";
  }
}

TEST(ConformanceCases, EveryOpIsCovered) {
  std::set<std::string> ops;
  for (const OpCase& c : cases()) ops.insert(std::string(ir::op_name(c.graph.nodes()[0].op)));
  for (ir::OpKind op : ir::kAllOps)
    EXPECT_TRUE(ops.count(std::string(ir::op_name(op)))) << ir::op_name(op);
}

}  // namespace
}  // namespace nuri::conformance
