#include "devices/cpu/huge_page_buffer.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "nuri/error.hpp"

namespace nuri::cpu {
namespace {
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
}

HugePageBuffer::HugePageBuffer(size_t bytes, const char* what) {
  if (bytes == 0) return;
  // Slack of one huge page so the data can start on a 2 MiB boundary.
  map_bytes_ = bytes + (bytes >= kHugePage ? kHugePage : 0);
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error(
        fmt::format("cpu: cannot map {} bytes for {} ({})", bytes, what, std::strerror(errno)),
        NURI_ERROR_OUT_OF_MEMORY);
  }
  auto begin = reinterpret_cast<uintptr_t>(map_);
  if (bytes >= kHugePage) {
    begin = (begin + kHugePage - 1) / kHugePage * kHugePage;
    const uintptr_t whole = bytes / kHugePage * kHugePage;
    // Advice only: without THP (or with it off) the buffer works on small pages.
    ::madvise(reinterpret_cast<void*>(begin), whole, MADV_HUGEPAGE);
  }
  data_ = reinterpret_cast<void*>(begin);
  size_ = bytes;
}

HugePageBuffer::~HugePageBuffer() {
  if (map_) ::munmap(map_, map_bytes_);
}

HugePageBuffer::HugePageBuffer(HugePageBuffer&& o) noexcept
    : map_(std::exchange(o.map_, nullptr)),
      map_bytes_(std::exchange(o.map_bytes_, 0)),
      data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)) {}

HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, map_bytes_);
    map_ = std::exchange(o.map_, nullptr);
    map_bytes_ = std::exchange(o.map_bytes_, 0);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

}  // namespace nuri::cpu
