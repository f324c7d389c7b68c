#include "simulator/npu/scoreboard.h"

#include <algorithm>

namespace nuri::sim::npu {

Region region_of(const TileRef& t) {
  Region r;
  const uint64_t es = dtype_size(t.dtype);
  r.lo = t.addr;
  r.hi = t.addr + t.extent_bytes();
  r.row = uint64_t{t.cols} * es;
  r.stride = (t.rows <= 1 || t.row_stride() == t.cols) ? r.hi - r.lo : t.row_stride() * es;
  if (r.stride == r.hi - r.lo) r.row = r.stride;  // dense: one row covering the extent
  return r;
}

namespace {
bool dense(const Region& r) {
  return r.row == r.stride;
}
}  // namespace

bool regions_overlap(const Region& a, const Region& b) {
  if (a.hi <= b.lo || b.hi <= a.lo) return false;
  if (!dense(a) && !dense(b) && a.stride == b.stride) {
    // Column intervals on a circle of one stride; disjoint columns never share a byte.
    const uint64_t s = a.stride, x = a.lo % s, y = b.lo % s;
    const uint64_t d1 = (y + s - x) % s, d2 = (x + s - y) % s;
    return d1 < a.row || d2 < b.row;
  }
  return true;
}

bool region_covers(const Region& outer, const Region& inner) {
  if (inner.lo < outer.lo || inner.hi > outer.hi) return false;
  if (dense(outer)) return true;
  if (dense(inner) || inner.stride != outer.stride) return false;
  const uint64_t s = outer.stride;
  const uint64_t d = (inner.lo % s + s - outer.lo % s) % s;
  return d + inner.row <= outer.row;
}

uint64_t Scoreboard::ready(const Access* acc, size_t n, uint32_t engine) const {
  uint64_t t = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& lists = lists_[static_cast<int>(acc[i].space)];
    // Everyone waits for earlier writers; writers also wait for earlier readers.
    for (int w = acc[i].write ? 0 : 1; w < 2; ++w)
      for (const Region& r : lists[w])
        if (r.engine != engine && r.end > t && regions_overlap(r, acc[i].region)) t = r.end;
  }
  return t;
}

void Scoreboard::record(const Access* acc, size_t n, uint32_t engine, uint64_t end) {
  for (size_t i = 0; i < n; ++i) {
    Region r = acc[i].region;
    r.end = end;
    r.engine = engine;
    auto& lists = lists_[static_cast<int>(acc[i].space)];
    // A newer access that covers an older record and ends no earlier subsumes it: anything
    // conflicting with the old one conflicts with the new one and waits at least as long. A
    // write subsumes reads and writes; a read subsumes reads of its own engine only: a later
    // instruction of its engine skips it, and, unlike a write, it did not wait for another
    // engine's read, so that read must stay for that instruction to wait on.
    for (int w = 0; w < (acc[i].write ? 2 : 1); ++w) {
      auto& l = lists[w];
      // The extent test first, inline: most records lie elsewhere (the full test is a call).
      l.erase(std::remove_if(l.begin(), l.end(),
                             [&](const Region& o) {
                               return o.end <= end && (acc[i].write || o.engine == engine) &&
                                      o.lo >= r.lo && o.hi <= r.hi && region_covers(r, o);
                             }),
              l.end());
    }
    lists[acc[i].write ? 1 : 0].push_back(r);
  }
}

void Scoreboard::prune(uint64_t t) {
  for (auto& space : lists_)
    for (auto& l : space)
      l.erase(std::remove_if(l.begin(), l.end(), [t](const Region& r) { return r.end <= t; }),
              l.end());
}

void Scoreboard::clear() {
  for (auto& space : lists_)
    for (auto& l : space) l.clear();
}

size_t Scoreboard::size() const {
  size_t n = 0;
  for (const auto& space : lists_)
    for (const auto& l : space) n += l.size();
  return n;
}

}  // namespace nuri::sim::npu
