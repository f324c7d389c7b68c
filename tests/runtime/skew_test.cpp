// Version skew: the example plugin built against a frozen older minor's headers and against a
// generated newer minor (every struct one field bigger) loads on this runtime and computes
// correctly, and neither side writes past the other's struct_size. Run under ASan in CI, where a
// write at the plugin's own sizeof would also be caught as a heap overflow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "runtime/session.h"
#include "tests/runtime/plugin_paths.h"

namespace nuri::rt {
namespace {

using ir::OpKind;
using ::testing::HasSubstr;

constexpr unsigned char kCanary = 0xA5;

// y = sigmoid(relu(a + b) * b), all on acme.
ir::Graph eltwise_graph() {
  ir::GraphBuilder b("skew");
  const auto a = b.input("a", DType::F32, {3, 5});
  const auto c = b.input("b", DType::F32, {3, 5});
  const auto r = b.add1(OpKind::Relu, {b.add_(a, c)}, {}, "relu");
  b.output(b.add1(OpKind::Sigmoid, {b.mul(r, c)}, {}, "sigmoid"));
  return b.build();
}

Tensor random_input(uint64_t seed) {
  Tensor x(DType::F32, {3, 5});
  ir::SeededRandom rng(seed);
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(rng.normal());
  return x;
}

// Loads a skew variant and runs the graph on it; checks against the formula in double.
void expect_runs_correctly(DeviceRegistry& reg) {
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.strict = true;  // every node must run on the plugin
  Session s(eltwise_graph(), opts, reg);
  const Tensor a = random_input(1), b = random_input(2);
  for (int run = 1; run <= 2; ++run) {
    const Tensor y = s.run({a, b})[0];
    for (int64_t i = 0; i < y.numel(); ++i) {
      const double av = a.data_as<float>()[i], bv = b.data_as<float>()[i];
      const double want = 1.0 / (1.0 + std::exp(-std::max(0.0, av + bv) * bv));
      EXPECT_NEAR(y.data_as<float>()[i], want, 1e-6) << "element " << i;
    }
    EXPECT_EQ(s.last_stats()[0].stats.executions, static_cast<uint64_t>(run));
  }
}

// Calls get_properties with a caller struct of `caller_size` bytes followed by canary bytes, as
// a runtime of another minor would; returns the filled struct and whether the canary survived.
bool properties_within(const Device& dev, size_t caller_size, nuri_device_properties* out) {
  const size_t slack = 64;
  std::vector<unsigned char> mem(sizeof(nuri_device_properties) + slack, kCanary);
  auto* p = reinterpret_cast<nuri_device_properties*>(mem.data());
  std::memset(mem.data(), 0, caller_size);
  p->struct_size = caller_size;
  nuri_error err{};
  err.struct_size = sizeof(err);
  EXPECT_EQ(dev.api().device_get_properties(dev.impl(), p, &err), NURI_OK) << err.message;
  std::memcpy(out, mem.data(), std::min(caller_size, sizeof(*out)));
  for (size_t i = caller_size; i < mem.size(); ++i)
    if (mem[i] != kCanary) return false;
  return p->struct_size == caller_size;
}

TEST(AbiSkew, OlderMinorPluginLoadsAndRuns) {
  DeviceRegistry reg;
  ASSERT_EQ(reg.load_plugin(plugin_path("nuri_acme_older_minor")), "acme");
  auto dev = reg.create("acme");
  EXPECT_EQ(dev->api().abi_major, NURI_DEVICE_ABI_MAJOR);
  EXPECT_LT(dev->api().abi_minor, NURI_DEVICE_ABI_MINOR);
  // Entries the older minor lacks read as absent, not as whatever follows its table.
  EXPECT_FALSE(dev->can_import_host());
  EXPECT_EQ(dev->import_host(nullptr, 0), nullptr);
  EXPECT_EQ(dev->alloc_virtual(16), nullptr);  // 2.4's entry
  EXPECT_EQ(dev->properties().memory_bytes, 64ull << 20);
  EXPECT_EQ(dev->properties().f32_compute_dtype, NURI_DTYPE_F32);
  expect_runs_correctly(reg);
}

TEST(AbiSkew, NewerMinorPluginLoadsAndRuns) {
  DeviceRegistry reg;
  ASSERT_EQ(reg.load_plugin(plugin_path("nuri_acme_newer_minor")), "acme");
  auto dev = reg.create("acme");
  EXPECT_EQ(dev->api().abi_major, NURI_DEVICE_ABI_MAJOR);
  EXPECT_EQ(dev->api().abi_minor, NURI_DEVICE_ABI_MINOR + 1u);
  EXPECT_STREQ(dev->properties().name, "acme");
  EXPECT_EQ(dev->properties().memory_bytes, 64ull << 20);
  expect_runs_correctly(reg);
}

// ABI 2.4: a plugin without `buffer_alloc_virtual` gets real buffers in a timing-only session,
// inputs given without data read as zeros, and the session returns zero outputs.
TEST(AbiSkew, OlderMinorPluginRunsTimingOnlySessionsOnRealBuffers) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme_older_minor"));
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.strict = true;
  opts.timing_only = true;
  Session s(eltwise_graph(), opts, reg);
  const std::vector<TensorView> no_data = {{DType::F32, {3, 5}, nullptr},
                                           {DType::F32, {3, 5}, nullptr}};
  const std::vector<Tensor> y = s.run(no_data);
  ASSERT_EQ(y.size(), 1u);
  for (int64_t i = 0; i < y[0].numel(); ++i) EXPECT_EQ(y[0].data_as<float>()[i], 0.0f);
  EXPECT_EQ(s.last_stats()[0].stats.executions, 1u);  // it did run
}

// The plugin with bigger structs fills this runtime's struct and stops at its end.
TEST(AbiSkew, NewerMinorPluginWritesOnlyUpToTheCallersStructSize) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme_newer_minor"));
  auto dev = reg.create("acme");
  nuri_device_properties p{};
  EXPECT_TRUE(properties_within(*dev, sizeof(nuri_device_properties), &p));
  EXPECT_STREQ(p.name, "acme");
  EXPECT_EQ(p.dtype_mask, 1u << NURI_DTYPE_F32);
  // An even older caller that knows only up to `kind`: the rest stays untouched.
  const size_t old_size = offsetof(nuri_device_properties, kind) + sizeof(nuri_device_kind);
  EXPECT_TRUE(properties_within(*dev, old_size, &p));
  EXPECT_EQ(p.kind, NURI_DEVICE_KIND_OTHER);
}

// Errors too: a message is cut at the caller's struct_size, still NUL-terminated.
TEST(AbiSkew, ErrorsStopAtTheCallersStructSize) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme_newer_minor"));
  auto dev = reg.create("acme");
  const size_t caller = offsetof(nuri_error, message) + 16;
  std::vector<unsigned char> mem(sizeof(nuri_error), kCanary);
  auto* err = reinterpret_cast<nuri_error*>(mem.data());
  err->struct_size = caller;
  nuri_buffer_impl* buf = nullptr;
  // More than acme's 64 MiB: fails with a long message.
  EXPECT_EQ(dev->api().buffer_alloc(dev->impl(), 1ull << 40, &buf, err), NURI_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(std::strlen(err->message), 15u);
  EXPECT_THAT(std::string(err->message), HasSubstr("acme: out of"));
  for (size_t i = caller; i < mem.size(); ++i) ASSERT_EQ(mem[i], kCanary) << "byte " << i;
}

// ABI 2.3: a plugin that predates `unaligned_constants` reads as 0, and the runtime hands its
// compile constants aligned to their element size (a copy, freed after), whatever the graph holds.
TEST(AbiSkew, OlderMinorPluginGetsAlignedConstants) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme_older_minor"));
  auto dev = reg.create("acme");
  EXPECT_FALSE(dev->accepts_unaligned_constants());
  // b as a constant viewing bytes one past a float boundary (as in a mapped ONNX file).
  const Tensor a = random_input(1), b = random_input(2);
  std::vector<float> storage(b.numel() + 1);
  auto* odd = reinterpret_cast<std::byte*>(storage.data()) + 1;
  std::memcpy(odd, b.data(), b.nbytes());
  ir::GraphBuilder gb("skew_const");
  const auto x = gb.input("a", DType::F32, {3, 5});
  const auto c = gb.constant("b", Tensor::view(DType::F32, {3, 5}, odd, nullptr));
  const auto r = gb.add1(OpKind::Relu, {gb.add_(x, c)}, {}, "relu");
  gb.output(gb.add1(OpKind::Sigmoid, {gb.mul(r, c)}, {}, "sigmoid"));
  const ir::Graph g = gb.build();
  const auto bv = static_cast<size_t>(*g.find_value("b"));
  ir::GraphDesc for_old(g, ir::ConstantAlignment::ElementSize);
  const void* copy = for_old.get()->values[bv]->data;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(copy) % alignof(float), 0u);
  EXPECT_EQ(std::memcmp(copy, odd, b.nbytes()), 0);
  EXPECT_EQ(for_old.aligned_copy_bytes(), b.nbytes());
  for_old.release_aligned_copies();
  EXPECT_EQ(for_old.get()->values[bv]->data, odd);
  const ir::GraphDesc as_is(g, ir::ConstantAlignment::AsIs);
  EXPECT_EQ(as_is.get()->values[bv]->data, odd);
  EXPECT_EQ(as_is.aligned_copy_bytes(), 0u);
  // And the plugin computes right on them.
  SessionOptions opts;
  opts.devices = {"acme"};
  opts.strict = true;
  Session s(g, opts, reg);
  const Tensor y = s.run({a})[0];
  for (int64_t i = 0; i < y.numel(); ++i) {
    const double av = a.data_as<float>()[i], bw = b.data_as<float>()[i];
    EXPECT_NEAR(y.data_as<float>()[i], 1.0 / (1.0 + std::exp(-std::max(0.0, av + bw) * bw)), 1e-6)
        << "element " << i;
  }
}

// The capability query answers through its args struct, with the device's own reason.
TEST(AbiSkew, OlderMinorPluginExplainsWhatItDeclines) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme_older_minor"));
  auto dev = reg.create("acme");
  ir::GraphBuilder b("q");
  const auto x = b.input("x", DType::F32, {2, 2});
  b.output(b.add1(OpKind::Tanh, {b.add_(x, x)}, {}, "tanh"));
  const ir::Graph g = b.build();
  const ir::GraphDesc desc(g);
  EXPECT_TRUE(dev->query_op(desc.get(), desc.desc_index(0)).supported);
  const OpSupport tanh = dev->query_op(desc.get(), desc.desc_index(1));
  EXPECT_FALSE(tanh.supported);
  EXPECT_THAT(tanh.reason, HasSubstr("Add, Mul, Relu and Sigmoid only"));
}

}  // namespace
}  // namespace nuri::rt
