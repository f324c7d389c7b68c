// The registry: built-ins through the ABI table, plugins by path and NURI_PLUGIN_PATH, and the
// clear errors of broken plugins.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "runtime/registry.h"
#include "tests/runtime/plugin_paths.h"

namespace nuri::rt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

TEST(Registry, BuiltinsComeThroughTheAbiTable) {
  DeviceRegistry reg;
  register_builtin_devices(reg);
  ASSERT_TRUE(reg.has("ref"));
  EXPECT_EQ(reg.origin("ref"), "built-in");
  auto dev = reg.create("ref");
  EXPECT_EQ(dev->name(), "ref");
  EXPECT_EQ(dev->kind_name(), "cpu");
}

TEST(Registry, LoadsThePluginByPath) {
  DeviceRegistry reg;
  EXPECT_EQ(reg.load_plugin(plugin_path("nuri_acme")), "acme");
  auto dev = reg.create("acme");
  EXPECT_EQ(dev->properties().memory_bytes, 64ull << 20);
  EXPECT_THAT(dev->origin(), HasSubstr("libnuri_acme.so"));
  // Loading it twice is a clear error, not a silent replacement.
  EXPECT_THAT([&] { reg.load_plugin(plugin_path("nuri_acme")); },
              ThrowsMessage<Error>(HasSubstr("a device named 'acme' is already registered")));
}

TEST(Registry, RejectsAPluginOfAnotherAbiMajor) {
  DeviceRegistry reg;
  const std::string path = plugin_path("nuri_acme_wrong_abi");
  EXPECT_THAT([&] { reg.load_plugin(path); },
              ThrowsMessage<Error>(
                  AllOf(HasSubstr(path),
                        HasSubstr(fmt::format("built for device ABI {}.{}",
                                              NURI_DEVICE_ABI_MAJOR + 1, NURI_DEVICE_ABI_MINOR)),
                        HasSubstr(fmt::format("implements ABI {}.{}", NURI_DEVICE_ABI_MAJOR,
                                              NURI_DEVICE_ABI_MINOR)))));
  EXPECT_FALSE(reg.has("acme"));
}

TEST(Registry, RejectsAPluginMissingRequiredEntries) {
  DeviceRegistry reg;
  EXPECT_THAT([&] { reg.load_plugin(plugin_path("nuri_acme_missing_entries")); },
              ThrowsMessage<Error>(
                  HasSubstr("required entries missing: executable_compile, executable_execute")));
}

TEST(Registry, RejectsTablesTooSmallOrNull) {
  DeviceRegistry reg;
  nuri_device_api tiny{};
  tiny.struct_size = 16;
  tiny.abi_major = NURI_DEVICE_ABI_MAJOR;
  EXPECT_THAT([&] { reg.add(&tiny, "test"); }, ThrowsMessage<Error>(HasSubstr("smaller than")));
  EXPECT_THAT([&] { reg.add(nullptr, "test"); }, ThrowsMessage<Error>(HasSubstr("no table")));
}

TEST(Registry, FilesThatAreNotPlugins) {
  DeviceRegistry reg;
  EXPECT_THAT([&] { reg.load_plugin("/nonexistent/libx.so"); },
              ThrowsMessage<Error>(HasSubstr("cannot load device plugin '/nonexistent/libx.so'")));
  const auto bogus = std::filesystem::temp_directory_path() / "nuri_not_a_plugin.so";
  std::ofstream(bogus) << "not an ELF file";
  EXPECT_THAT([&] { reg.load_plugin(bogus.string()); },
              ThrowsMessage<Error>(HasSubstr("cannot load device plugin")));
  EXPECT_THAT([&] { reg.load_plugin("libm.so.6"); },
              ThrowsMessage<Error>(HasSubstr("is not a Nuri device plugin")));
}

TEST(Registry, PluginPathLoadsGoodPluginsAndReportsBadOnes) {
  DeviceRegistry reg;
  const auto errors =
      reg.load_plugin_path(plugin_path("nuri_acme") + ":" + plugin_path("nuri_acme_wrong_abi"));
  EXPECT_TRUE(reg.has("acme"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("nuri_acme_wrong_abi"));
}

TEST(Registry, UnknownDeviceNamesTheAvailableOnes) {
  DeviceRegistry reg;
  register_builtin_devices(reg);
  EXPECT_THAT([&] { reg.create("tpu9"); },
              ThrowsMessage<Error>(AllOf(HasSubstr("no device named 'tpu9'"), HasSubstr("ref"))));
}

TEST(Registry, BufferLargerThanDeviceMemoryIsAClearError) {
  DeviceRegistry reg;
  reg.load_plugin(plugin_path("nuri_acme"));
  auto dev = reg.create("acme");
  EXPECT_THAT([&] { dev->alloc(65ull << 20); },
              ThrowsMessage<Error>(AllOf(HasSubstr("device 'acme'"), HasSubstr("buffer_alloc"),
                                         HasSubstr("out of device memory"))));
  auto ok = dev->alloc(1 << 20);  // the device is still usable
  std::vector<float> v(4, 2.0f), back(4);
  dev->write(*ok, v.data(), 16);
  dev->read(*ok, back.data(), 16);
  EXPECT_EQ(back, v);
}

}  // namespace
}  // namespace nuri::rt

namespace nuri::rt {
namespace {

// A capability check that throws is no silent "unsupported": the query fails and its message
// becomes the reason --placement shows.
TEST(Registry, AFailingCapabilityCheckIsAReasonNotASilentNo) {
  DeviceRegistry reg;
  register_builtin_devices(reg);
  auto dev = reg.create("ref");
  ir::GraphBuilder b("q");
  const ir::ValueId x = b.input("x", DType::F32, {2, 2});
  b.output(b.add1(ir::OpKind::Relu, {x}, {}, "relu"));
  const ir::Graph g = b.build();
  const ir::GraphDesc good(g);
  EXPECT_TRUE(dev->query_op(good.get(), 0).supported);
  // The same node under an op this runtime's IR does not know.
  nuri_node_desc node = *good.get()->nodes[0];
  node.op = "Frobnicate";
  const nuri_node_desc* nodes[] = {&node};
  nuri_graph_desc bad = *good.get();
  bad.nodes = nodes;
  const OpSupport s = dev->query_op(&bad, 0);
  EXPECT_FALSE(s.supported);
  EXPECT_THAT(s.reason, AllOf(HasSubstr("capability query failed"), HasSubstr("Frobnicate")));
}

}  // namespace
}  // namespace nuri::rt
