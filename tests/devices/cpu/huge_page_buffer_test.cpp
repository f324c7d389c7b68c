// HugePageBuffer: 2 MiB-aligned, zero-filled, writable memory whose resident size is the bytes
// asked for (the huge-page advice covers whole huge pages only, never a rounded-up tail).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "devices/cpu/huge_page_buffer.h"

namespace nuri::cpu {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Resident KiB of the mappings overlapping [p, p + bytes), from /proc/self/smaps (the advice
// splits the buffer's mapping in two).
long resident_kib(const void* p, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(p), end = begin + bytes;
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  long kib = 0;
  while (std::getline(in, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo < end && begin < hi;
      continue;
    }
    if (inside && line.rfind("Rss:", 0) == 0) kib += std::stol(line.substr(4));
  }
  return kib;
}

TEST(HugePageBuffer, LargeBufferIsAlignedZeroedAndWritable) {
  HugePageBuffer b(5 * kMiB + 123, "test weights");
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(b.size(), 5 * kMiB + 123);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % (2 * kMiB), 0u);
  auto* bytes = static_cast<unsigned char*>(b.data());
  for (size_t i : {size_t{0}, 2 * kMiB, b.size() - 1}) EXPECT_EQ(bytes[i], 0) << i;
  std::memset(bytes, 0x5a, b.size());
  EXPECT_EQ(bytes[b.size() - 1], 0x5a);
}

TEST(HugePageBuffer, ResidentSizeIsNotRoundedUpToHugePages) {
  // One whole huge page and a 1 MiB tail: touching every byte makes 3 MiB resident, with or
  // without transparent huge pages, not the 4 MiB two huge pages would be.
  HugePageBuffer b(3 * kMiB, "test weights");
  std::memset(b.data(), 1, b.size());
  const long kib = resident_kib(b.data(), b.size());
  EXPECT_LE(kib, 3 * 1024);
  EXPECT_GE(kib, 3 * 1024 - 4);
}

TEST(HugePageBuffer, SmallAndEmptyBuffers) {
  HugePageBuffer small(100, "test weights");
  ASSERT_NE(small.data(), nullptr);
  static_cast<char*>(small.data())[99] = 7;
  EXPECT_EQ(static_cast<char*>(small.data())[99], 7);
  HugePageBuffer empty(0, "test weights");
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
}

TEST(HugePageBuffer, MoveHandsOverTheMemory) {
  HugePageBuffer a(4 * kMiB, "test weights");
  void* p = a.data();
  static_cast<char*>(p)[0] = 3;
  HugePageBuffer b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);  // the moved-from buffer is empty
  HugePageBuffer c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(static_cast<char*>(c.data())[0], 3);
}

}  // namespace
}  // namespace nuri::cpu
