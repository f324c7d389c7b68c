// Virtual buffers (ABI 2.4): a timing-only simulator hands out buffers with a size and no
// storage; touching their bytes is a clear error, never a crash, and they still count against
// the device's memory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "runtime/registry.h"

namespace nuri::rt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The error `f` throws, with its status.
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown";
  return Error("none");
}

TEST(VirtualBuffer, RefusesByteAccessNamingTheDeviceAndTheCall) {
  auto npu = DeviceRegistry::global().create("npu", "timing_only=1");
  const uint64_t bytes = uint64_t{1} << 30;  // 1 GiB of address space it never takes
  std::unique_ptr<DeviceBuffer> v = npu->alloc_virtual(bytes);
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->is_virtual());
  EXPECT_EQ(v->size(), bytes);
  EXPECT_EQ(npu->host_pointer(*v), nullptr);  // nowhere in host memory

  std::vector<std::byte> host(64);
  const Error read = error_of([&] { npu->read(*v, host.data(), host.size()); });
  EXPECT_EQ(read.status(), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(read.what()),
              AllOf(HasSubstr("'npu'"), HasSubstr("buffer_read"), HasSubstr("virtual")));
  const Error write = error_of([&] { npu->write(*v, host.data(), host.size()); });
  EXPECT_THAT(std::string(write.what()), AllOf(HasSubstr("buffer_write"), HasSubstr("virtual")));
  std::unique_ptr<DeviceBuffer> real = npu->alloc(64);
  const Error copy = error_of([&] { npu->copy(*v, *real, 64); });
  EXPECT_THAT(std::string(copy.what()), AllOf(HasSubstr("buffer_copy"), HasSubstr("virtual")));
  const Error copy_in = error_of([&] { npu->copy(*real, *v, 64); });
  EXPECT_THAT(std::string(copy_in.what()), HasSubstr("virtual"));
}

// Only a device whose executes read and write no buffer bytes hands them out; the others (and
// plugins predating 2.4: AbiSkew) answer nullptr and the runtime allocates real buffers.
TEST(VirtualBuffer, OnlyTimingOnlyDevicesHandThemOut) {
  DeviceRegistry& reg = DeviceRegistry::global();
  EXPECT_NE(reg.create("npu", "timing_only=1")->alloc_virtual(16), nullptr);
  EXPECT_NE(reg.create("pim", "timing_only=1")->alloc_virtual(16), nullptr);
  EXPECT_EQ(reg.create("npu")->alloc_virtual(16), nullptr);
  EXPECT_EQ(reg.create("pim")->alloc_virtual(16), nullptr);
  EXPECT_EQ(reg.create("ref")->alloc_virtual(16), nullptr);
}

// A virtual buffer models memory the device would hold: it takes its share of the capacity (the
// AttAcc pim's KV cache that does not fit is still refused), and gives it back when released.
TEST(VirtualBuffer, CountsAgainstTheDeviceMemory) {
  auto pim = DeviceRegistry::global().create("pim", "timing_only=1");
  const uint64_t capacity = pim->properties().memory_bytes;
  ASSERT_GT(capacity, 0u);
  {
    std::unique_ptr<DeviceBuffer> all = pim->alloc_virtual(capacity);
    ASSERT_NE(all, nullptr);
    const Error full = error_of([&] { pim->alloc_virtual(1); });
    EXPECT_EQ(full.status(), NURI_ERROR_OUT_OF_MEMORY);
    EXPECT_THAT(std::string(full.what()), HasSubstr("out of memory"));
    EXPECT_EQ(error_of([&] { pim->alloc(1); }).status(), NURI_ERROR_OUT_OF_MEMORY);
  }
  EXPECT_NE(pim->alloc_virtual(capacity), nullptr);  // released: the capacity is free again
}

}  // namespace
}  // namespace nuri::rt
