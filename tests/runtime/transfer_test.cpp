// Cross-device transfers take the shortest path the two devices offer: a peer copy between two
// instances of one plugin, one copy from or into host memory where either side lies there, and
// a staged copy through the host only when neither does. Each path must move the bytes exactly.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "runtime/registry.h"
#include "runtime/transfer.h"
#include "tests/runtime/plugin_paths.h"

namespace nuri::rt {
namespace {

constexpr uint64_t kBytes = 4096 + 12;  // not a multiple of any vector width

std::vector<std::byte> pattern(uint8_t seed) {
  std::vector<std::byte> p(kBytes);
  for (size_t i = 0; i < p.size(); ++i) p[i] = std::byte(static_cast<uint8_t>(seed + i * 7));
  return p;
}

// Writes a pattern on `from`, moves it to `to` and reads it back; returns the path taken.
TransferPath move_and_check(Device& from, Device& to) {
  auto src = from.alloc(kBytes);
  auto dst = to.alloc(kBytes);
  const std::vector<std::byte> want = pattern(3);
  from.write(*src, want.data(), kBytes);
  std::vector<std::byte> staging;
  const TransferPath path = transfer(from, *src, to, *dst, kBytes, staging);
  std::vector<std::byte> got(kBytes);
  to.read(*dst, got.data(), kBytes);
  EXPECT_EQ(std::memcmp(got.data(), want.data(), kBytes), 0) << transfer_path_name(path);
  EXPECT_EQ(staging.size(), path == TransferPath::Staged ? kBytes : 0u);
  return path;
}

class Transfers : public ::testing::Test {
 protected:
  void SetUp() override {
    register_builtin_devices(reg_);
    reg_.load_plugin(plugin_path("nuri_acme"));
  }
  DeviceRegistry reg_;
};

TEST_F(Transfers, SameDeviceUsesItsOwnCopy) {
  auto cpu = reg_.create("cpu");
  EXPECT_EQ(move_and_check(*cpu, *cpu), TransferPath::SameDevice);
}

TEST_F(Transfers, TwoInstancesOfOnePluginCopyAsPeers) {
  auto a = reg_.create("acme"), b = reg_.create("acme");
  EXPECT_EQ(move_and_check(*a, *b), TransferPath::Peer);
  // Built-in host devices are peers of their own kind too (two npu cards).
  auto n0 = reg_.create("npu"), n1 = reg_.create("npu");
  EXPECT_EQ(move_and_check(*n0, *n1), TransferPath::Peer);
}

TEST_F(Transfers, DifferentPluginsAreNeverPeers) {
  auto cpu = reg_.create("cpu"), ref = reg_.create("ref");
  // Both keep buffers in host memory: one write from the source's bytes.
  EXPECT_EQ(move_and_check(*cpu, *ref), TransferPath::FromHostPointer);
}

TEST_F(Transfers, DeviceMemoryMovesInOneCopyWhenTheOtherSideIsHostMemory) {
  auto acme = reg_.create("acme"), cpu = reg_.create("cpu");
  EXPECT_EQ(acme->host_pointer(*acme->alloc(16)), nullptr);  // on-card memory
  EXPECT_EQ(move_and_check(*acme, *cpu), TransferPath::IntoHostPointer);
  EXPECT_EQ(move_and_check(*cpu, *acme), TransferPath::FromHostPointer);
}

TEST_F(Transfers, PluginsWithoutTheEntriesAreStagedThroughTheHost) {
  // The example plugin built against ABI 2.0 has neither a peer copy nor host pointers.
  DeviceRegistry older;
  ASSERT_EQ(older.load_plugin(plugin_path("nuri_acme_older_minor")), "acme");
  auto a = older.create("acme"), b = older.create("acme");
  EXPECT_EQ(move_and_check(*a, *b), TransferPath::Staged);
  // A 2.2 acme and a 2.0 acme are different builds: never peers, so staged as well.
  auto current = reg_.create("acme");
  EXPECT_EQ(move_and_check(*a, *current), TransferPath::Staged);
  EXPECT_EQ(move_and_check(*current, *a), TransferPath::Staged);
}

TEST_F(Transfers, APeerCopyOutsideABufferIsAnErrorNamingTheDevice) {
  auto a = reg_.create("acme"), b = reg_.create("acme");
  auto src = a->alloc(64), dst = b->alloc(32);
  try {
    b->copy_from_peer(*a, *src, *dst, 64);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("buffer_copy_peer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("outside a buffer"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nuri::rt
