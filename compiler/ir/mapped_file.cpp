#include "compiler/ir/mapped_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>

#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

// Address ranges of the live mappings, for release_mapped_pages.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::map<uintptr_t, uintptr_t>& registry() {
  static std::map<uintptr_t, uintptr_t> ranges;
  return ranges;
}

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(fmt::format("{}: cannot open the file ({})", path, std::strerror(errno)),
                errno == ENOENT ? NURI_ERROR_NOT_FOUND : NURI_ERROR_INVALID_ARGUMENT);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{}: not a regular file", path));
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(fmt::format("{}: mapping the file failed ({})", path, std::strerror(err)));
    }
    f->data_ = static_cast<const std::byte*>(p);
    std::lock_guard<std::mutex> lock(registry_mutex());
    registry()[reinterpret_cast<uintptr_t>(p)] = reinterpret_cast<uintptr_t>(p) + f->size_;
  }
  ::close(fd);  // the mapping keeps the file's pages reachable
  return f;
}

MappedFile::~MappedFile() {
  if (!data_) return;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    registry().erase(reinterpret_cast<uintptr_t>(data_));
  }
  ::munmap(const_cast<std::byte*>(data_), size_);
}

size_t release_mapped_pages(const void* data, size_t size) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data);
  // Only whole pages inside the range: a neighbour's bytes may share the edge pages.
  const uintptr_t lo = (begin + page - 1) / page * page, hi = (begin + size) / page * page;
  if (hi <= lo) return 0;
  // MADV_DONTNEED would zero-fill anonymous memory, so only ranges of live MappedFiles (read-only,
  // never written, so their pages always equal the file's) are released.
  std::lock_guard<std::mutex> lock(registry_mutex());
  size_t released = 0;
  for (const auto& [m_lo, m_hi] : registry()) {
    const uintptr_t a = std::max(lo, m_lo), b = std::min(hi, m_hi);
    if (a < b && ::madvise(reinterpret_cast<void*>(a), b - a, MADV_DONTNEED) == 0)
      released += b - a;
  }
  return released;
}

}  // namespace nuri::ir
