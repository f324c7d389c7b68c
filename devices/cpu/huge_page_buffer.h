// Memory for large, long-lived packed weights: mapped anonymous memory aligned to 2 MiB with
// transparent huge pages asked for (madvise), so filling it takes one page fault per 2 MiB
// instead of one per 4 KiB (packing a GPT-2 block's 27 MiB of weights otherwise faults ~7000
// times, most of its compile time). Only whole huge pages inside the buffer are advised: the
// tail stays on small pages, so resident memory is the bytes asked for, not rounded up.
#pragma once

#include <cstddef>

namespace nuri::cpu {

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  // Throws nuri::Error naming `what` when the memory cannot be mapped.
  HugePageBuffer(size_t bytes, const char* what);
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& o) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& o) noexcept;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* map_ = nullptr;  // the whole mapping (alignment slack included)
  size_t map_bytes_ = 0;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace nuri::cpu
