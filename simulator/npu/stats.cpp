#include "simulator/npu/stats.h"

namespace nuri::sim::npu {

Energy energy_of(const EnergyConfig& e, const CoreStats& t, double seconds) {
  constexpr double pj = 1e-12;
  Energy out;
  out.mac = (t.macs_bf16 * e.pj_per_mac_bf16 + t.macs_int8 * e.pj_per_mac_int8) * pj;
  out.vector = t.vector_elems * e.pj_per_vector_elem * pj;
  out.sram = t.sram_bytes * e.pj_per_sram_byte * pj;
  out.dram = (t.dram_read_bytes + t.dram_write_bytes) * e.pj_per_dram_byte * pj;
  out.static_ = e.static_watts * seconds;
  return out;
}

CoreStats sum_stats(const std::vector<CoreStats>& v) {
  CoreStats s;
  for (const auto& c : v) {
    s.array_busy_cycles += c.array_busy_cycles;
    s.vector_busy_cycles += c.vector_busy_cycles;
    s.dma_busy_cycles += c.dma_busy_cycles;
    s.macs_bf16 += c.macs_bf16;
    s.macs_int8 += c.macs_int8;
    s.vector_elems += c.vector_elems;
    s.dram_read_bytes += c.dram_read_bytes;
    s.dram_write_bytes += c.dram_write_bytes;
    s.sram_bytes += c.sram_bytes;
    s.instrs += c.instrs;
  }
  return s;
}

}  // namespace nuri::sim::npu
