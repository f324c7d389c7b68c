// A simulated deployment: which model, how many tokens, on which devices over which link, placed
// how. Read from JSON (`nuri simulate --deployment FILE.json`) or built from flags:
//   {"model": {"builtin": "llama2-7b", "layers": 32, "d_model": 4096, "heads": 32, "vocab": 32000},
//    (or "model": {"onnx": "decoder.onnx", "dims": {"batch_size": "batch", "n": 16}})
//    "batch": 1, "prompt": 128, "generate": 128,
//    "devices": ["npu:atom-like x1", "pim:HBM-PIM"],   // or {"name","preset","count"} objects
//    "link": "pcie4-x16",                                // or {"bandwidth_gbps", "latency_ns"}
//    "host": "server-16c",                               // or {"gflops", "bandwidth_gbps"}
//    "placement": "cost",                                // "priority", or {"MatMul": "npu", ...}
//    "decode_samples": 3}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/models/catalogue.h"
#include "runtime/host_model.h"
#include "runtime/link_model.h"

namespace nuri::rt {

struct DeploymentDevice {
  std::string name;    // a registered device: npu, pim, cpu, ...
  std::string preset;  // its config preset or file (npu, pim); empty: the device's default
  int count = 1;       // more than one npu: tensor parallelism over them
};

struct Deployment {
  std::string model = "llama2-7b";  // a built-in family (compiler/models/catalogue.h)
  ir::ModelSizes sizes;             // dims overriding the family's (seq is set per phase)
  // Set: an ONNX decoder file instead of the built-in family. Its symbolic dims are bound per
  // phase by role (runtime/deployment_model.h): a name's role is guessed from the name (batch,
  // past, total, seq) unless `onnx_dims` gives it ("batch", "seq", "past", "total") or a size.
  std::string onnx;
  std::map<std::string, std::string> onnx_dims;
  uint64_t seed = 1;
  int64_t batch = 1, prompt = 128, generate = 128;
  std::vector<DeploymentDevice> devices{{"npu", "", 1}, {"pim", "", 1}};
  LinkModel link = parse_link("pcie4-x16");
  HostModel host = parse_host(kDefaultHost);    // costs partitions on non-simulated devices
  std::string policy = "cost";                  // "priority" or "cost" (ops not ruled below)
  std::map<std::string, std::string> op_rules;  // fixed placement: op -> device
  int decode_samples = 3;                       // context lengths simulated in decode
};

// "npu", "npu:atom-like", "npu:atom-like x2". Throws naming the entry.
DeploymentDevice parse_deployment_device(const std::string& entry);
// Reads a deployment JSON text over `base` (keys absent keep base's values). Throws
// nuri::Error naming `where` and the key at fault.
Deployment parse_deployment(const std::string& json_text, const std::string& where,
                            Deployment base = {});
// Throws naming the field when a deployment cannot be simulated (counts, lengths, batch).
void check_deployment(const Deployment& d);

}  // namespace nuri::rt
