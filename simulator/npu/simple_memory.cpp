#include "simulator/npu/simple_memory.h"

#include <algorithm>

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

SimpleMemory::SimpleMemory(const MemoryConfig& cfg)
    : cfg_(cfg), bytes_per_ns_(cfg.aggregate_gbps()) {
  if (!(bytes_per_ns_ > 0)) throw Error("SimpleMemory: aggregate bandwidth must be > 0");
}

double SimpleMemory::transfer(double issue_ns, uint64_t addr, uint64_t bytes, bool is_write) {
  if (addr + bytes > cfg_.capacity_bytes || addr + bytes < addr)
    throw Error(fmt::format("SimpleMemory: transfer [{:#x}, +{}) beyond capacity {} bytes", addr,
                            bytes, cfg_.capacity_bytes));
  double start = std::max(issue_ns, server_free_ns_);
  server_free_ns_ = start + static_cast<double>(bytes) / bytes_per_ns_;
  (is_write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  ++stats_.transfers;
  return server_free_ns_ + cfg_.latency_ns;
}

void SimpleMemory::reset() {
  server_free_ns_ = 0;
  stats_ = {};
}

std::string SimpleMemory::describe() const {
  return fmt::format("simple {}: {} ch x {} GB/s = {} GB/s, {} ns latency, one shared FIFO server",
                     cfg_.kind, cfg_.channels, cfg_.gbps_per_channel, bytes_per_ns_,
                     cfg_.latency_ns);
}

}  // namespace nuri::sim::npu
