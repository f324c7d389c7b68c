// Embedding on the NPU: one DMA load and store per id, rows spread over the cores.
#include <fmt/format.h>

#include <algorithm>

#include "devices/npu/codegen.h"
#include "nuri/error.hpp"

namespace nuri::npu {

using sim::DType;
using sim::Space;

std::vector<sim::Program> emit_gather(const sim::NpuConfig& cfg, const GatherStep& g,
                                      const std::vector<int64_t>& ids, const std::string& label) {
  std::vector<sim::Program> progs(std::min<size_t>(cfg.cores, std::max<size_t>(ids.size(), 1)));
  const uint64_t row = uint64_t{g.cols} * 2, slot = (row + 63) / 64 * 64;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= int64_t{g.table_rows})
      throw Error(fmt::format("npu: {}: index {} at position {} is outside the table of {} rows",
                              label, id, i, g.table_rows));
    sim::Program& p = progs[i % progs.size()];
    const sim::TileRef t =
        sim::tile(Space::Spm, ((i / progs.size()) % 2) * slot, 1, g.cols, DType::BF16);
    p.push(sim::dma_load(t, sim::tile(Space::Dram, g.table_addr + static_cast<uint64_t>(id) * row,
                                      1, g.cols, DType::BF16)));
    p.push(sim::dma_store(sim::tile(Space::Dram, g.out_addr + i * row, 1, g.cols, DType::BF16), t));
  }
  return progs;
}

}  // namespace nuri::npu
