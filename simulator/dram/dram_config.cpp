#include "simulator/dram/dram_config.h"

#include <fstream>
#include <set>

#include "nuri/error.hpp"

namespace nuri::sim::dram {
namespace {

using nlohmann::json;

void check_keys(const json& j, const std::string& ctx, const std::set<std::string>& allowed) {
  if (!j.is_object()) throw Error(ctx + ": expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!allowed.count(k)) throw Error(ctx + "." + k + ": unknown key");
  }
}

const json& field(const json& j, const std::string& ctx, const std::string& key) {
  if (!j.contains(key)) throw Error(ctx + "." + key + ": missing");
  return j.at(key);
}

int64_t get_int(const json& j, const std::string& ctx, const std::string& key, int64_t min) {
  const json& v = field(j, ctx, key);
  if (!v.is_number_integer()) throw Error(ctx + "." + key + ": expected an integer");
  int64_t x = v.get<int64_t>();
  if (x < min) {
    throw Error(ctx + "." + key + ": must be >= " + std::to_string(min) + " (got " +
                std::to_string(x) + ")");
  }
  return x;
}

double get_num(const json& j, const std::string& ctx, const std::string& key, bool positive) {
  const json& v = field(j, ctx, key);
  if (!v.is_number()) throw Error(ctx + "." + key + ": expected a number");
  double x = v.get<double>();
  if (positive ? !(x > 0) : !(x >= 0)) {
    throw Error(ctx + "." + key + (positive ? ": must be > 0" : ": must be >= 0"));
  }
  return x;
}

int get_i(const json& j, const std::string& ctx, const std::string& key, int64_t min = 1) {
  int64_t x = get_int(j, ctx, key, min);
  if (x > (int64_t(1) << 30)) throw Error(ctx + "." + key + ": too large");
  return int(x);
}

}  // namespace

double DramConfig::peak_bytes_per_ns_per_unit() const {
  return double(org.burst_bytes()) / (org.burst_tck() * t.tck_ns);
}

double DramConfig::peak_bytes_per_ns() const {
  return peak_bytes_per_ns_per_unit() * org.units();
}

DramConfig DramConfig::from_json(const json& j, const std::string& ctx) {
  if (j.is_object() && j.contains("preset")) {
    check_keys(j, ctx, {"preset"});
    if (!j.at("preset").is_string()) throw Error(ctx + ".preset: expected a string");
    return preset(j.at("preset").get<std::string>());
  }
  check_keys(j, ctx, {"name", "source", "org", "timing", "energy_pj"});
  DramConfig c;
  const json& name = field(j, ctx, "name");
  if (!name.is_string()) throw Error(ctx + ".name: expected a string");
  c.name = name.get<std::string>();
  const json& source = field(j, ctx, "source");
  if (!source.is_string()) throw Error(ctx + ".source: expected a string");
  c.source = source.get<std::string>();

  const std::string oc = ctx + ".org";
  const json& o = field(j, ctx, "org");
  check_keys(o, oc,
             {"channels", "pseudo_channels", "bank_groups", "banks_per_group", "rows", "row_bytes",
              "stack_ids", "bus_bits", "burst_length", "transfers_per_tck", "source"});
  c.org.channels = get_i(o, oc, "channels");
  c.org.pseudo_channels = get_i(o, oc, "pseudo_channels");
  c.org.bank_groups = get_i(o, oc, "bank_groups");
  // Optional: HBM3 stack IDs multiply the banks of a unit (each SID its own bank groups).
  c.org.stack_ids = o.contains("stack_ids") ? get_i(o, oc, "stack_ids") : 1;
  c.org.banks_per_group = get_i(o, oc, "banks_per_group");
  c.org.rows = get_int(o, oc, "rows", 1);
  c.org.row_bytes = get_i(o, oc, "row_bytes");
  c.org.bus_bits = get_i(o, oc, "bus_bits", 8);
  c.org.burst_length = get_i(o, oc, "burst_length");
  c.org.transfers_per_tck = get_i(o, oc, "transfers_per_tck");
  if (c.org.bus_bits % 8 != 0) throw Error(oc + ".bus_bits: must be a multiple of 8");
  if (c.org.burst_length % c.org.transfers_per_tck != 0) {
    throw Error(oc + ".burst_length: must be a multiple of transfers_per_tck");
  }
  if (c.org.row_bytes % c.org.burst_bytes() != 0) {
    throw Error(oc + ".row_bytes: must be a multiple of the burst size (" +
                std::to_string(c.org.burst_bytes()) + " B)");
  }

  const std::string tc = ctx + ".timing";
  const json& t = field(j, ctx, "timing");
  check_keys(t, tc, {"tck_ns", "CL",      "CWL",    "tRCD",   "tRP",   "tRAS",   "tRC",
                     "tCCD_S", "tCCD_L",  "tRRD_S", "tRRD_L", "tFAW",  "tWR",    "tWTR_S",
                     "tWTR_L", "tRTP",    "tRTW",   "tRFC",   "tREFI", "source", "tRCD_WR",
                     "tRTP_S", "refresh", "tRFCsb", "tRREFD"});
  c.t.tck_ns = get_num(t, tc, "tck_ns", true);
  c.t.CL = get_i(t, tc, "CL");
  c.t.CWL = get_i(t, tc, "CWL");
  c.t.tRCD = get_i(t, tc, "tRCD");
  // HBM2/HBM3 split ACT->RD and ACT->WR; a config without the split key uses tRCD for both.
  c.t.tRCD_WR = t.contains("tRCD_WR") ? get_i(t, tc, "tRCD_WR") : c.t.tRCD;
  c.t.tRP = get_i(t, tc, "tRP");
  c.t.tRAS = get_i(t, tc, "tRAS");
  c.t.tRC = get_i(t, tc, "tRC");
  c.t.tCCD_S = get_i(t, tc, "tCCD_S");
  c.t.tCCD_L = get_i(t, tc, "tCCD_L");
  c.t.tRRD_S = get_i(t, tc, "tRRD_S");
  c.t.tRRD_L = get_i(t, tc, "tRRD_L");
  c.t.tFAW = get_i(t, tc, "tFAW");
  c.t.tWR = get_i(t, tc, "tWR");
  c.t.tWTR_S = get_i(t, tc, "tWTR_S");
  c.t.tWTR_L = get_i(t, tc, "tWTR_L");
  c.t.tRTP = get_i(t, tc, "tRTP");
  c.t.tRTP_S = t.contains("tRTP_S") ? get_i(t, tc, "tRTP_S") : c.t.tRTP;
  c.t.tRTW = get_i(t, tc, "tRTW", 0);
  c.t.tRFC = get_i(t, tc, "tRFC");
  c.t.tREFI = get_i(t, tc, "tREFI");
  if (c.t.tCCD_S < c.org.burst_tck()) {
    throw Error(tc + ".tCCD_S: shorter than a burst on the data bus (" +
                std::to_string(c.org.burst_tck()) + " tCK)");
  }
  if (c.t.tCCD_L < c.t.tCCD_S) throw Error(tc + ".tCCD_L: must be >= tCCD_S");
  if (c.t.tRRD_L < c.t.tRRD_S) throw Error(tc + ".tRRD_L: must be >= tRRD_S");
  if (c.t.tRC < c.t.tRAS + c.t.tRP) throw Error(tc + ".tRC: must be >= tRAS + tRP");
  if (c.t.tREFI <= c.t.tRFC) throw Error(tc + ".tREFI: must exceed tRFC");
  c.t.tRFCsb = t.contains("tRFCsb") ? get_i(t, tc, "tRFCsb", 0) : 0;
  c.t.tRREFD = t.contains("tRREFD") ? get_i(t, tc, "tRREFD", 0) : 0;
  if (t.contains("refresh")) {
    const json& mode = t.at("refresh");
    if (mode == "per_bank") {
      c.t.per_bank_refresh = true;
    } else if (mode != "all_bank") {
      throw Error(tc + ".refresh: expected \"all_bank\" or \"per_bank\", got " + mode.dump());
    }
  }
  if (c.t.per_bank_refresh) {
    if (c.t.tRFCsb <= 0) throw Error(tc + ".tRFCsb: per-bank refresh needs a positive tRFCsb");
    if (c.t.tREFI_per_bank(c.org.banks()) <= c.t.tRFCsb)
      throw Error(tc + ".tRFCsb: must be shorter than tREFI / banks (" +
                  std::to_string(c.t.tREFI_per_bank(c.org.banks())) + " tCK)");
  }

  const std::string ec = ctx + ".energy_pj";
  const json& e = field(j, ctx, "energy_pj");
  check_keys(e, ec, {"act_pj", "array_rd_pj", "array_wr_pj", "io_pj", "ref_pj", "source"});
  c.energy.act_pj = get_num(e, ec, "act_pj", false);
  c.energy.array_rd_pj = get_num(e, ec, "array_rd_pj", false);
  c.energy.array_wr_pj = get_num(e, ec, "array_wr_pj", false);
  c.energy.io_pj = get_num(e, ec, "io_pj", false);
  c.energy.ref_pj = get_num(e, ec, "ref_pj", false);
  return c;
}

DramConfig DramConfig::preset(const std::string& name) {
  return from_json(json::parse(dram_preset_json(name)), "dram preset " + name);
}

DramConfig DramConfig::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("dram config: cannot open '" + path + "'");
  json j;
  try {
    in >> j;
  } catch (const json::exception& ex) {
    throw Error("dram config '" + path + "': invalid JSON: " + ex.what());
  }
  return from_json(j, path);
}

json DramConfig::to_json() const {
  return json{
      {"name", name},
      {"source", source},
      {"org",
       {{"channels", org.channels},
        {"pseudo_channels", org.pseudo_channels},
        {"bank_groups", org.bank_groups},
        {"stack_ids", org.stack_ids},
        {"banks_per_group", org.banks_per_group},
        {"rows", org.rows},
        {"row_bytes", org.row_bytes},
        {"bus_bits", org.bus_bits},
        {"burst_length", org.burst_length},
        {"transfers_per_tck", org.transfers_per_tck}}},
      {"timing", {{"tck_ns", t.tck_ns},   {"CL", t.CL},
                  {"CWL", t.CWL},         {"tRCD", t.tRCD},
                  {"tRCD_WR", t.tRCD_WR}, {"tRP", t.tRP},
                  {"tRAS", t.tRAS},       {"tRC", t.tRC},
                  {"tCCD_S", t.tCCD_S},   {"tCCD_L", t.tCCD_L},
                  {"tRRD_S", t.tRRD_S},   {"tRRD_L", t.tRRD_L},
                  {"tFAW", t.tFAW},       {"tWR", t.tWR},
                  {"tWTR_S", t.tWTR_S},   {"tWTR_L", t.tWTR_L},
                  {"tRTP", t.tRTP},       {"tRTP_S", t.tRTP_S},
                  {"tRTW", t.tRTW},       {"tRFC", t.tRFC},
                  {"tREFI", t.tREFI},     {"refresh", t.per_bank_refresh ? "per_bank" : "all_bank"},
                  {"tRFCsb", t.tRFCsb},   {"tRREFD", t.tRREFD}}},
      {"energy_pj",
       {{"act_pj", energy.act_pj},
        {"array_rd_pj", energy.array_rd_pj},
        {"array_wr_pj", energy.array_wr_pj},
        {"io_pj", energy.io_pj},
        {"ref_pj", energy.ref_pj}}}};
}

}  // namespace nuri::sim::dram
