#include "simulator/dram/address_map.h"

#include <string>

#include "nuri/error.hpp"

namespace nuri::sim::dram {

DramAddress AddressMap::decode_local(int unit, uint64_t local) const {
  const uint64_t bg_n = uint64_t(org_.groups()), cols = uint64_t(org_.columns());
  const uint64_t bpg = uint64_t(org_.banks_per_group);
  DramAddress a;
  a.unit = unit;
  const int bg = int(local % bg_n);
  a.col = int(local / bg_n % cols);
  const int bank_in_group = int(local / (bg_n * cols) % bpg);
  a.row = int64_t(local / (bg_n * cols * bpg));
  a.bank = bg * org_.banks_per_group + bank_in_group;
  if (a.row >= org_.rows) {
    throw Error("dram address map: local burst " + std::to_string(local) +
                " is beyond the unit's " + std::to_string(org_.rows) + " rows");
  }
  return a;
}

DramAddress AddressMap::decode(uint64_t addr) const {
  if (addr >= org_.capacity_bytes()) {
    throw Error("dram address map: address " + std::to_string(addr) + " beyond capacity " +
                std::to_string(org_.capacity_bytes()) + " B");
  }
  const uint64_t burst = addr / uint64_t(org_.burst_bytes());
  const uint64_t units = uint64_t(org_.units());
  return decode_local(int(burst % units), burst / units);
}

uint64_t AddressMap::encode(const DramAddress& a) const {
  const uint64_t bg_n = uint64_t(org_.groups()), cols = uint64_t(org_.columns());
  const uint64_t bpg = uint64_t(org_.banks_per_group);
  const uint64_t bg = uint64_t(a.bank / org_.banks_per_group);
  const uint64_t bank_in_group = uint64_t(a.bank % org_.banks_per_group);
  const uint64_t local =
      bg + bg_n * (uint64_t(a.col) + cols * (bank_in_group + bpg * uint64_t(a.row)));
  return (local * uint64_t(org_.units()) + uint64_t(a.unit)) * uint64_t(org_.burst_bytes());
}

}  // namespace nuri::sim::dram
