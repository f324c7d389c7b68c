// Checks an instruction against the hardware (spaces, bounds, shapes, dtypes, array limits)
// before it runs, in timing-only mode too. Throws nuri::Error prefixed with `where`.
#pragma once

#include <string>

#include "simulator/npu/config.h"
#include "simulator/npu/isa.h"

namespace nuri::sim::npu {

void validate_instr(const NpuConfig& c, const Instr& i, const std::string& where);

}  // namespace nuri::sim::npu
