// Options of the `pim` device.
#include <cstring>
#include <filesystem>

#include "devices/pim/pim_program.h"
#include "nuri/device_sdk.hpp"
#include "nuri/error.hpp"

namespace nuri::pim {

PimDeviceOptions parse_pim_options(const char* options) {
  const auto opts = sdk::parse_options(options, "pim",
                                       {"config", "timing_only", "kv_resident", "max_rows", "f32"});
  PimDeviceOptions o;
  if (auto it = opts.find("config"); it != opts.end()) o.config_name = it->second;
  o.timing_only = sdk::option_flag(opts, "timing_only", o.timing_only, "pim");
  o.kv_resident = sdk::option_flag(opts, "kv_resident", o.kv_resident, "pim");
  o.max_rows = sdk::option_int(opts, "max_rows", o.max_rows, "pim");
  o.accept_f32 = sdk::option_flag(opts, "f32", o.accept_f32, "pim");
  if (o.max_rows < 1) throw Error("pim: option 'max_rows' expects a positive integer");
  bool is_preset = false;
  for (const std::string& p : sim::pim::PimConfig::preset_names()) is_preset |= p == o.config_name;
  if (is_preset) {
    o.config = sim::pim::PimConfig::preset(o.config_name);
  } else if (o.config_name.find(".json") != std::string::npos ||
             std::filesystem::exists(o.config_name)) {
    o.config = sim::pim::PimConfig::load_file(o.config_name);
  } else {
    std::string names;
    for (const std::string& p : sim::pim::PimConfig::preset_names()) names += p + ", ";
    throw Error(
        "pim: unknown config '" + o.config_name + "' (presets: " + names + "or a JSON file path)",
        NURI_ERROR_INVALID_ARGUMENT);
  }
  pim_dtype(o.config);  // rejects a config whose units compute in f32
  return o;
}

DType pim_dtype(const sim::pim::PimConfig& cfg) {
  switch (cfg.input) {
    case sim::pim::NumType::kF16:
      return DType::F16;
    case sim::pim::NumType::kBf16:
      return DType::BF16;
    case sim::pim::NumType::kF32:
      break;
  }
  throw Error("pim: config '" + cfg.name + "' has f32 inputs; the device maps f16/bf16 units only",
              NURI_ERROR_UNSUPPORTED);
}

}  // namespace nuri::pim
