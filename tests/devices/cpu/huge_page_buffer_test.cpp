// HugePageBuffer: 2 MiB-aligned, zero-filled, writable memory whose resident size is the bytes
// asked for (the huge-page advice covers whole huge pages only, never a rounded-up tail).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include <sys/mman.h>
#include <unistd.h>

#include "devices/cpu/huge_page_buffer.h"

namespace nuri::cpu {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Resident KiB of the pages in [p, p + bytes), page by page with mincore (a page not mapped
// counts as not resident). smaps would count whole mappings, and a sanitizer's allocator may map
// memory right next to the buffer, which the kernel then merges into the same mapping.
long resident_kib(const void* p, size_t bytes) {
  const long page = ::sysconf(_SC_PAGESIZE);
  const auto begin = reinterpret_cast<uintptr_t>(p);
  long kib = 0;
  for (uintptr_t at = begin; at < begin + bytes; at += static_cast<uintptr_t>(page)) {
    unsigned char resident = 0;
    if (::mincore(reinterpret_cast<void*>(at), static_cast<size_t>(page), &resident) == 0 &&
        (resident & 1))
      kib += page / 1024;
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
  // A huge page holding the tail would also hold the page right after the buffer (still inside
  // its mapping, which has a huge page of slack): that page must not be resident.
  const long kib = resident_kib(b.data(), b.size() + static_cast<size_t>(::sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(kib, 3 * 1024);
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
