// A file mapped read-only into memory (mmap, MAP_PRIVATE): weights are read straight from the
// page cache instead of being copied into the heap. Constants that view the mapping hold a
// shared_ptr to it, so the bytes stay valid for as long as any of them lives.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace nuri::ir {

class MappedFile {
 public:
  // Throws nuri::Error naming the file when it cannot be opened or mapped (NURI_ERROR_NOT_FOUND
  // when it does not exist).
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const std::byte* data_ = nullptr;  // null for an empty file
  size_t size_ = 0;
  std::string path_;
};

// Lets the kernel drop the resident pages of [data, data + size) where they lie in a live
// MappedFile: once a device has packed a weight into its own layout, the file's copy need not
// stay in memory; a later read faults the bytes back in from the page cache. Memory of any
// other kind is left alone. Returns the bytes released.
size_t release_mapped_pages(const void* data, size_t size);

}  // namespace nuri::ir
