#include "simulator/npu/config.h"

#include <cmath>
#include <fstream>
#include <set>

#include "nuri/error.hpp"

namespace nuri::sim::npu {

namespace {

constexpr std::array<const char*, kVecOpCount> kVecOpNames = {
    "add",   "sub",  "mul",  "max",  "add_imm", "mul_imm", "exp",        "recip",
    "rsqrt", "gelu", "relu", "copy", "row_max", "row_sum", "causal_mask"};

// Reads one JSON object strictly: every key must be read once; leftovers are unknown keys.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) throw Error(path_ + ": expected a JSON object");
  }
  const nlohmann::json& field(const std::string& key) {
    auto it = j_.find(key);
    if (it == j_.end()) throw Error(path_ + "." + key + ": missing field");
    seen_.insert(key);
    return *it;
  }
  bool has(const std::string& key) const { return j_.contains(key); }
  std::string name(const std::string& key) const { return path_ + "." + key; }
  uint64_t u64(const std::string& key) {
    const auto& v = field(key);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      throw Error(name(key) + ": expected a non-negative integer");
    return v.get<uint64_t>();
  }
  uint32_t u32(const std::string& key) {
    uint64_t v = u64(key);
    if (v > 0xffffffffull) throw Error(name(key) + ": value too large");
    return static_cast<uint32_t>(v);
  }
  double num(const std::string& key) {
    const auto& v = field(key);
    if (!v.is_number()) throw Error(name(key) + ": expected a number");
    double d = v.get<double>();
    if (!std::isfinite(d) || d < 0) throw Error(name(key) + ": expected a finite value >= 0");
    return d;
  }
  std::string str(const std::string& key) {
    const auto& v = field(key);
    if (!v.is_string()) throw Error(name(key) + ": expected a string");
    return v.get<std::string>();
  }
  bool boolean(const std::string& key) {
    const auto& v = field(key);
    if (!v.is_boolean()) throw Error(name(key) + ": expected true or false");
    return v.get<bool>();
  }
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) throw Error(path_ + "." + it.key() + ": unknown key");
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

ScratchpadConfig read_spm(const nlohmann::json& j, const std::string& path) {
  ObjectReader r(j, path);
  ScratchpadConfig s;
  s.size_bytes = r.u64("size_bytes");
  s.banks = r.u32("banks");
  s.bank_bytes_per_cycle = r.u32("bank_bytes_per_cycle");
  r.finish();
  return s;
}

MemoryConfig read_memory(const nlohmann::json& j, const std::string& path) {
  if (j.is_string()) return memory_preset(j.get<std::string>());
  ObjectReader r(j, path);
  MemoryConfig m;
  m.kind = r.str("kind");
  m.channels = r.u32("channels");
  m.gbps_per_channel = r.num("gbps_per_channel");
  m.latency_ns = r.num("latency_ns");
  m.capacity_bytes = r.u64("capacity_bytes");
  r.finish();
  return m;
}

void require(bool ok, const std::string& field, const std::string& why) {
  if (!ok) throw Error("npu config field " + field + ": " + why);
}

}  // namespace

const char* vec_op_name(VecOp op) {
  size_t i = static_cast<size_t>(op);
  return i < kVecOpCount ? kVecOpNames[i] : "?";
}

const char* dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::WeightStationary:
      return "weight_stationary";
    case Dataflow::OutputStationary:
      return "output_stationary";
    case Dataflow::InputStationary:
      return "input_stationary";
  }
  return "?";
}

const char* compat_name(Compat c) {
  return c == Compat::ScaleSim ? "scale-sim" : "none";
}

bool is_reduction(VecOp op) {
  return op == VecOp::RowMax || op == VecOp::RowSum;
}

bool NpuConfig::supports(DType t) const {
  for (DType d : dtypes)
    if (d == t) return true;
  return false;
}

NpuConfig config_from_json(const nlohmann::json& j) {
  ObjectReader r(j, "npu");
  NpuConfig c;
  c.name = r.str("name");
  c.source = r.str("source");
  c.cores = r.u32("cores");
  c.clock_mhz = r.num("clock_mhz");
  const auto& dts = r.field("dtypes");
  if (!dts.is_array()) throw Error("npu.dtypes: expected an array of dtype names");
  for (const auto& d : dts) {
    if (!d.is_string()) throw Error("npu.dtypes: expected dtype names");
    c.dtypes.push_back(parse_dtype(d.get<std::string>(), "npu.dtypes"));
  }
  {
    ObjectReader a(r.field("array"), "npu.array");
    c.array.rows = a.u32("rows");
    c.array.cols = a.u32("cols");
    const std::string df = a.str("dataflow");
    bool known = false;
    for (Dataflow d :
         {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary})
      if (df == dataflow_name(d)) {
        c.array.dataflow = d;
        known = true;
      }
    if (!known)
      throw Error(
          "npu.array.dataflow: expected weight_stationary, output_stationary or "
          "input_stationary, got '" +
          df + "'");
    c.array.pipelined = a.boolean("pipelined");
    a.finish();
  }
  {
    ObjectReader v(r.field("vector"), "npu.vector");
    c.vector.lanes = v.u32("lanes");
    c.vector.latency_cycles = v.u32("latency_cycles");
    ObjectReader oc(v.field("op_cycles"), "npu.vector.op_cycles");
    for (size_t i = 0; i < kVecOpCount; ++i) c.vector.op_cycles[i] = oc.u32(kVecOpNames[i]);
    oc.finish();
    v.finish();
  }
  c.spm = read_spm(r.field("spm"), "npu.spm");
  c.acc = read_spm(r.field("acc"), "npu.acc");
  {
    ObjectReader d(r.field("dma"), "npu.dma");
    c.dma.engines = d.u32("engines");
    c.dma.bytes_per_cycle = d.u32("bytes_per_cycle");
    c.dma.setup_cycles = d.u32("setup_cycles");
    d.finish();
  }
  c.memory = read_memory(r.field("memory"), "npu.memory");
  {
    ObjectReader e(r.field("energy"), "npu.energy");
    c.energy.pj_per_mac_int8 = e.num("pj_per_mac_int8");
    c.energy.pj_per_mac_bf16 = e.num("pj_per_mac_bf16");
    c.energy.pj_per_vector_elem = e.num("pj_per_vector_elem");
    c.energy.pj_per_sram_byte = e.num("pj_per_sram_byte");
    c.energy.pj_per_dram_byte = e.num("pj_per_dram_byte");
    c.energy.static_watts = e.num("static_watts");
    e.finish();
  }
  if (r.has("tiling")) {
    ObjectReader t(r.field("tiling"), "npu.tiling");
    if (t.has("tile_m")) c.tiling.tile_m = t.u32("tile_m");
    if (t.has("tile_n")) c.tiling.tile_n = t.u32("tile_n");
    if (t.has("tile_k")) c.tiling.tile_k = t.u32("tile_k");
    t.finish();
  }
  if (r.has("compat")) {
    const std::string cm = r.str("compat");
    if (cm == compat_name(Compat::None)) {
      c.compat = Compat::None;
    } else if (cm == compat_name(Compat::ScaleSim)) {
      c.compat = Compat::ScaleSim;
    } else {
      throw Error("npu.compat: expected \"none\" or \"scale-sim\", got '" + cm + "'");
    }
  }
  r.finish();
  validate_config(c);
  return c;
}

nlohmann::json config_to_json(const NpuConfig& c) {
  nlohmann::json dts = nlohmann::json::array();
  for (DType d : c.dtypes) dts.push_back(dtype_name(d));
  nlohmann::json oc = nlohmann::json::object();
  for (size_t i = 0; i < kVecOpCount; ++i) oc[kVecOpNames[i]] = c.vector.op_cycles[i];
  auto spm = [](const ScratchpadConfig& s) {
    return nlohmann::json{{"size_bytes", s.size_bytes},
                          {"banks", s.banks},
                          {"bank_bytes_per_cycle", s.bank_bytes_per_cycle}};
  };
  return {
      {"name", c.name},
      {"source", c.source},
      {"cores", c.cores},
      {"clock_mhz", c.clock_mhz},
      {"dtypes", dts},
      {"array",
       {{"rows", c.array.rows},
        {"cols", c.array.cols},
        {"dataflow", dataflow_name(c.array.dataflow)},
        {"pipelined", c.array.pipelined}}},
      {"vector",
       {{"lanes", c.vector.lanes}, {"latency_cycles", c.vector.latency_cycles}, {"op_cycles", oc}}},
      {"spm", spm(c.spm)},
      {"acc", spm(c.acc)},
      {"dma",
       {{"engines", c.dma.engines},
        {"bytes_per_cycle", c.dma.bytes_per_cycle},
        {"setup_cycles", c.dma.setup_cycles}}},
      {"memory",
       {{"kind", c.memory.kind},
        {"channels", c.memory.channels},
        {"gbps_per_channel", c.memory.gbps_per_channel},
        {"latency_ns", c.memory.latency_ns},
        {"capacity_bytes", c.memory.capacity_bytes}}},
      {"energy",
       {{"pj_per_mac_int8", c.energy.pj_per_mac_int8},
        {"pj_per_mac_bf16", c.energy.pj_per_mac_bf16},
        {"pj_per_vector_elem", c.energy.pj_per_vector_elem},
        {"pj_per_sram_byte", c.energy.pj_per_sram_byte},
        {"pj_per_dram_byte", c.energy.pj_per_dram_byte},
        {"static_watts", c.energy.static_watts}}},
      {"tiling",
       {{"tile_m", c.tiling.tile_m}, {"tile_n", c.tiling.tile_n}, {"tile_k", c.tiling.tile_k}}},
      {"compat", compat_name(c.compat)},
  };
}

void validate_config(const NpuConfig& c) {
  require(c.cores > 0 && c.cores <= 1024, "npu.cores", "must be in 1..1024");
  require(c.clock_mhz > 0, "npu.clock_mhz", "must be > 0");
  require(!c.dtypes.empty(), "npu.dtypes", "must list at least one operand dtype");
  for (DType d : c.dtypes)
    require(d == DType::BF16 || d == DType::I8, "npu.dtypes", "operands must be bf16 or int8");
  require(c.array.rows > 0 && c.array.rows <= 4096, "npu.array.rows", "must be in 1..4096");
  require(c.array.cols > 0 && c.array.cols <= 4096, "npu.array.cols", "must be in 1..4096");
  require(c.vector.lanes > 0, "npu.vector.lanes", "must be > 0");
  for (size_t i = 0; i < kVecOpCount; ++i)
    require(c.vector.op_cycles[i] > 0, std::string("npu.vector.op_cycles.") + kVecOpNames[i],
            "must be > 0");
  require(c.spm.banks > 0, "npu.spm.banks", "must be > 0");
  require(c.spm.bank_bytes_per_cycle > 0, "npu.spm.bank_bytes_per_cycle", "must be > 0");
  require(c.acc.banks > 0, "npu.acc.banks", "must be > 0");
  require(c.acc.bank_bytes_per_cycle > 0, "npu.acc.bank_bytes_per_cycle", "must be > 0");
  // The smallest tiling the tiler emits double-buffers an array-sized (rows x cols) A and B
  // tile of the widest operand dtype in spm and holds one array-sized f32 tile in acc.
  uint64_t esize = 1;
  for (DType d : c.dtypes) esize = std::max<uint64_t>(esize, dtype_size(d));
  uint64_t tile = uint64_t{c.array.rows} * c.array.cols;
  uint64_t min_spm = 4 * tile * esize;
  uint64_t min_acc = tile * 4;
  require(c.spm.size_bytes >= min_spm, "npu.spm.size_bytes",
          "too small for the smallest tile (needs " + std::to_string(min_spm) + " bytes)");
  require(c.acc.size_bytes >= min_acc, "npu.acc.size_bytes",
          "too small for one array-sized accumulator tile (needs " + std::to_string(min_acc) +
              " bytes)");
  require(c.dma.engines > 0, "npu.dma.engines", "must be > 0");
  require(c.dma.bytes_per_cycle > 0, "npu.dma.bytes_per_cycle", "must be > 0");
  require(c.memory.channels > 0, "npu.memory.channels", "must be > 0");
  require(c.memory.gbps_per_channel > 0, "npu.memory.gbps_per_channel", "must be > 0");
  require(c.memory.capacity_bytes > 0, "npu.memory.capacity_bytes", "must be > 0");
  // SCALE-Sim simulates one array; several cores would split the GEMM it runs whole.
  require(c.compat != Compat::ScaleSim || c.cores == 1, "npu.compat",
          "\"scale-sim\" models one systolic array: set npu.cores to 1");
}

NpuConfig load_config(const std::string& preset_or_path) {
  bool is_path = preset_or_path.find('/') != std::string::npos ||
                 (preset_or_path.size() > 5 &&
                  preset_or_path.compare(preset_or_path.size() - 5, 5, ".json") == 0);
  if (!is_path) return preset_config(preset_or_path);
  std::ifstream in(preset_or_path);
  if (!in) throw Error("npu config: cannot open '" + preset_or_path + "'", NURI_ERROR_NOT_FOUND);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw Error("npu config '" + preset_or_path + "': invalid JSON: " + e.what());
  }
  return config_from_json(j);
}

}  // namespace nuri::sim::npu
