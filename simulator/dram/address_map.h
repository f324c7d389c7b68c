// Physical address -> (unit, bank, row, column) for the command-level model.
//
// Mapping, least significant first (mixed radix, so sizes need not be powers of two):
//   byte within burst | unit (channel x pseudo-channel) | bank group | column | bank in group | row
// (with HBM3 stack IDs the bank-group digit runs over every SID's groups: group g is in SID
// g / bank_groups)
// Consecutive bursts rotate over all units (full device bandwidth for any stream longer than
// units x burst bytes), then over bank groups (tCCD_S, not tCCD_L, between a unit's consecutive
// bursts), then walk a row's columns; one bank per group is open per sweep while the scheduler
// opens the next group of banks ahead. A sequential stream thus gives each unit a contiguous
// range of "local" burst indices; local index L decodes as bg = L % BG, col = L / BG % C,
// bank_in_group = L / (BG*C) % BPG, row = L / (BG*C*BPG).
#pragma once

#include <cstdint>

#include "simulator/dram/dram_config.h"

namespace nuri::sim::dram {

struct DramAddress {
  int unit = 0;
  int bank = 0;  // bank group * banks_per_group + bank in group
  int64_t row = 0;
  int col = 0;  // burst index within the row
};

class AddressMap {
 public:
  explicit AddressMap(const DramOrg& org) : org_(org) {}
  // nuri::Error if the address lies beyond the device's capacity.
  DramAddress decode(uint64_t addr) const;
  DramAddress decode_local(int unit, uint64_t local_burst) const;
  uint64_t encode(const DramAddress& a) const;  // first byte of that burst
  uint64_t bursts_per_period() const { return uint64_t(org_.banks()) * uint64_t(org_.columns()); }

 private:
  DramOrg org_;
};

}  // namespace nuri::sim::dram
