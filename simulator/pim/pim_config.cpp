#include "simulator/pim/pim_config.h"

#include <fstream>
#include <set>

#include "nuri/error.hpp"

namespace nuri::sim::pim {
namespace {

using nlohmann::json;

const json& field(const json& j, const std::string& ctx, const std::string& key) {
  if (!j.contains(key)) throw Error(ctx + "." + key + ": missing");
  return j.at(key);
}

int get_i(const json& j, const std::string& ctx, const std::string& key, int min) {
  const json& v = field(j, ctx, key);
  if (!v.is_number_integer()) throw Error(ctx + "." + key + ": expected an integer");
  const int64_t x = v.get<int64_t>();
  if (x < min || x > (1 << 30)) {
    throw Error(ctx + "." + key + ": must be >= " + std::to_string(min) + " (got " +
                std::to_string(x) + ")");
  }
  return int(x);
}

std::string get_s(const json& j, const std::string& ctx, const std::string& key) {
  const json& v = field(j, ctx, key);
  if (!v.is_string()) throw Error(ctx + "." + key + ": expected a string");
  return v.get<std::string>();
}

bool get_b(const json& j, const std::string& ctx, const std::string& key) {
  const json& v = field(j, ctx, key);
  if (!v.is_boolean()) throw Error(ctx + "." + key + ": expected true or false");
  return v.get<bool>();
}

NumType parse_type(const std::string& s, const std::string& where) {
  if (s == "f16") return NumType::kF16;
  if (s == "bf16") return NumType::kBf16;
  if (s == "f32") return NumType::kF32;
  throw Error(where + ": unknown dtype '" + s + "' (f16, bf16, f32)");
}

}  // namespace

const char* num_type_name(NumType t) {
  switch (t) {
    case NumType::kF16:
      return "f16";
    case NumType::kBf16:
      return "bf16";
    case NumType::kF32:
      return "f32";
  }
  return "?";
}

int num_type_bytes(NumType t) {
  return t == NumType::kF32 ? 4 : 2;
}

double PimConfig::peak_gflops() const {
  return double(units_total()) * lanes * 2.0 / (mac_interval_tck * dram.t.tck_ns);
}

double PimConfig::internal_bytes_per_ns() const {
  return double(units_total()) * lanes * num_type_bytes(input) / (mac_interval_tck * dram.t.tck_ns);
}

PimConfig PimConfig::from_json(const json& j, const std::string& ctx) {
  if (j.is_object() && j.contains("preset") && j.size() == 1) {
    if (!j.at("preset").is_string()) throw Error(ctx + ".preset: expected a string");
    return preset(j.at("preset").get<std::string>());
  }
  if (!j.is_object()) throw Error(ctx + ": expected a JSON object");
  static const std::set<std::string> keys = {"name",
                                             "source",
                                             "dram",
                                             "banks_per_unit",
                                             "lanes",
                                             "input",
                                             "accum",
                                             "result",
                                             "lane_reduce",
                                             "schedule",
                                             "mac_interval_tck",
                                             "vector_elems",
                                             "acc_rows",
                                             "crf_bytes",
                                             "mode_switch_by_act",
                                             "all_bank_act",
                                             "grf_entries",
                                             "srf_entries",
                                             "eltwise_cols",
                                             "mac_pj",
                                             "gemv_mapping",
                                             "attention"};
  for (const auto& [k, v] : j.items()) {
    if (!keys.count(k)) throw Error(ctx + "." + k + ": unknown key");
  }
  PimConfig c;
  c.name = get_s(j, ctx, "name");
  c.source = get_s(j, ctx, "source");
  c.dram = dram::DramConfig::from_json(field(j, ctx, "dram"), ctx + ".dram");
  c.banks_per_unit = get_i(j, ctx, "banks_per_unit", 1);
  if (c.dram.org.banks() % c.banks_per_unit != 0) {
    throw Error(ctx + ".banks_per_unit: must divide the banks per unit of the DRAM (" +
                std::to_string(c.dram.org.banks()) + ")");
  }
  c.lanes = get_i(j, ctx, "lanes", 1);
  if (c.lanes > 64) throw Error(ctx + ".lanes: at most 64");
  c.input = parse_type(get_s(j, ctx, "input"), ctx + ".input");
  if (c.input == NumType::kF32) throw Error(ctx + ".input: must be f16 or bf16");
  c.accum = parse_type(get_s(j, ctx, "accum"), ctx + ".accum");
  c.result = parse_type(get_s(j, ctx, "result"), ctx + ".result");
  c.lane_reduce = get_b(j, ctx, "lane_reduce");
  const std::string sched = get_s(j, ctx, "schedule");
  if (sched == "rows_outer") {
    c.schedule = PimSchedule::kRowsOuter;
  } else if (sched == "tile_outer") {
    c.schedule = PimSchedule::kTileOuter;
  } else {
    throw Error(ctx + ".schedule: unknown '" + sched + "' (rows_outer, tile_outer)");
  }
  if (j.contains("gemv_mapping")) {
    const std::string m = get_s(j, ctx, "gemv_mapping");
    if (m == "row_interleaved") {
      c.gemv_mapping = GemvMapping::kRowInterleaved;
    } else if (m == "reference") {
      c.gemv_mapping = GemvMapping::kReference;
    } else {
      throw Error(ctx + ".gemv_mapping: unknown '" + m + "' (row_interleaved, reference)");
    }
  }
  if (j.contains("attention")) {
    const std::string m = get_s(j, ctx, "attention");
    if (m == "gemv") {
      c.attention = AttentionMapping::kGemv;
    } else if (m == "attacc") {
      c.attention = AttentionMapping::kAttAcc;
    } else {
      throw Error(ctx + ".attention: unknown '" + m + "' (gemv, attacc)");
    }
  }
  c.mac_interval_tck = get_i(j, ctx, "mac_interval_tck", 1);
  c.vector_elems = get_i(j, ctx, "vector_elems", 1);
  c.acc_rows = get_i(j, ctx, "acc_rows", 1);
  c.crf_bytes = get_i(j, ctx, "crf_bytes", 0);
  c.mode_switch_by_act = get_b(j, ctx, "mode_switch_by_act");
  const std::string act = get_s(j, ctx, "all_bank_act");
  if (act == "per_bank") {
    c.broadcast_act = false;
  } else if (act == "broadcast") {
    c.broadcast_act = true;
  } else {
    throw Error(ctx + ".all_bank_act: unknown '" + act + "' (per_bank, broadcast)");
  }
  c.grf_entries = get_i(j, ctx, "grf_entries", 0);
  c.srf_entries = get_i(j, ctx, "srf_entries", 0);
  c.eltwise_cols = get_i(j, ctx, "eltwise_cols", 0);
  if (c.eltwise_cols % c.banks_per_unit != 0)
    throw Error(ctx + ".eltwise_cols: must be a multiple of banks_per_unit (" +
                std::to_string(c.banks_per_unit) + "), a step covers every bank of a unit");
  const json& e = field(j, ctx, "mac_pj");
  if (!e.is_number() || e.get<double>() < 0) throw Error(ctx + ".mac_pj: must be a number >= 0");
  c.mac_pj = e.get<double>();
  if (c.lanes * num_type_bytes(c.input) != c.dram.org.burst_bytes()) {
    throw Error(ctx + ".lanes: lanes x input bytes must equal the DRAM burst (" +
                std::to_string(c.dram.org.burst_bytes()) + " B), one column access per MAC");
  }
  if (c.vector_elems % c.lanes != 0)
    throw Error(ctx + ".vector_elems: must be a multiple of lanes");
  return c;
}

PimConfig PimConfig::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("pim config: cannot open '" + path + "'");
  json j;
  try {
    in >> j;
  } catch (const json::exception& ex) {
    throw Error("pim config '" + path + "': invalid JSON: " + ex.what());
  }
  return from_json(j, path);
}

json PimConfig::to_json() const {
  return json{
      {"name", name},
      {"source", source},
      {"dram", dram.to_json()},
      {"banks_per_unit", banks_per_unit},
      {"lanes", lanes},
      {"input", num_type_name(input)},
      {"accum", num_type_name(accum)},
      {"result", num_type_name(result)},
      {"lane_reduce", lane_reduce},
      {"schedule", schedule == PimSchedule::kRowsOuter ? "rows_outer" : "tile_outer"},
      {"mac_interval_tck", mac_interval_tck},
      {"vector_elems", vector_elems},
      {"acc_rows", acc_rows},
      {"crf_bytes", crf_bytes},
      {"mode_switch_by_act", mode_switch_by_act},
      {"all_bank_act", broadcast_act ? "broadcast" : "per_bank"},
      {"grf_entries", grf_entries},
      {"srf_entries", srf_entries},
      {"eltwise_cols", eltwise_cols},
      {"mac_pj", mac_pj},
      {"gemv_mapping", gemv_mapping == GemvMapping::kReference ? "reference" : "row_interleaved"},
      {"attention", attention == AttentionMapping::kAttAcc ? "attacc" : "gemv"}};
}

}  // namespace nuri::sim::pim
