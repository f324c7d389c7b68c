// The `pim` device: a bank-level PIM memory (HBM-PIM or GDDR6-AiM, simulator/pim) behind the
// device ABI. It runs GEMV / skinny GEMM (constant weights laid out once at compile) and decode
// attention over a KV cache; every other op is declined so the runtime falls back.
// Options: "config=HBM-PIM|AiM|<file.json>;timing_only=0|1;kv_resident=0|1;max_rows=N".
#pragma once

#include "nuri/device.h"

namespace nuri::pim {
const nuri_device_api* pim_device_api();
}
