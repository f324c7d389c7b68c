#include "simulator/dram/dram_memory_timing.h"

#include <cmath>

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::dram {

DramMemoryTiming::DramMemoryTiming(DramConfig cfg, int queue_depth)
    : dram_(std::move(cfg), queue_depth) {}

double DramMemoryTiming::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  if (!(issue_ns >= 0)) throw Error("DramMemoryTiming::transfer: issue_ns must be >= 0");
  if (bytes == 0) return issue_ns;
  const DramConfig& c = dram_.config();
  const uint64_t cap = c.org.capacity_bytes();
  const int64_t at = int64_t(std::ceil(issue_ns / c.t.tck_ns - 1e-9));
  // Wrap around the device; a transfer crossing the end is split in two.
  addr %= cap;
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  int64_t done = at;
  while (bytes > 0) {
    const uint64_t chunk = std::min(bytes, cap - addr);
    done = std::max(done, dram_.stream(at, addr, chunk, is_write));
    bytes -= chunk;
    addr = 0;
  }
  return double(done) * c.t.tck_ns;
}

void DramMemoryTiming::reset() {
  dram_.reset();
  stats_ = {};
}

std::string DramMemoryTiming::describe() const {
  const DramConfig& c = dram_.config();
  return fmt::format("DRAM {} (command-level, {} units, {:.1f} GB/s peak, tCK {:.4f} ns)", c.name,
                     c.org.units(), c.peak_bytes_per_ns(), c.t.tck_ns);
}

double DramMemoryTiming::peak_bytes_per_ns() const {
  return dram_.config().peak_bytes_per_ns();
}

MemoryTransferStats DramMemoryTiming::stats() const {
  return stats_;
}

}  // namespace nuri::sim::dram
