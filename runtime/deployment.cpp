#include "runtime/deployment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "compiler/ir/op.h"
#include "nuri/error.hpp"

namespace nuri::rt {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& key, const std::string& why) {
  throw Error(fmt::format("deployment {}: key '{}': {}", where, key, why));
}

int64_t positive_int(const json& j, const std::string& where, const std::string& key) {
  if (!j.is_number_integer() || j.get<int64_t>() <= 0)
    bad(where, key, fmt::format("expected a positive integer, got {}", j.dump()));
  return j.get<int64_t>();
}

std::string text(const json& j, const std::string& where, const std::string& key) {
  if (!j.is_string()) bad(where, key, fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

// {"symbolic dim": "batch" | "seq" | "past" | "total" | a size}
void read_onnx_dims(const json& j, const std::string& where, Deployment& d) {
  if (!j.is_object()) bad(where, "model.dims", "expected {\"dim name\": role or size}");
  for (const auto& [name, value] : j.items()) {
    const std::string k = "model.dims." + name;
    if (value.is_number_integer()) {
      d.onnx_dims[name] = std::to_string(positive_int(value, where, k));
      continue;
    }
    const std::string role = text(value, where, k);
    if (role != "batch" && role != "seq" && role != "past" && role != "total")
      bad(where, k, fmt::format("'{}' is not batch, seq, past, total or a size", role));
    d.onnx_dims[name] = role;
  }
}

void read_model(const json& m, const std::string& where, Deployment& d) {
  if (m.is_string()) {
    d.model = m.get<std::string>();
    return;
  }
  if (!m.is_object()) bad(where, "model", "expected a built-in name or an object");
  for (const auto& [key, value] : m.items()) {
    const std::string k = "model." + key;
    if (key == "builtin")
      d.model = text(value, where, k);
    else if (key == "onnx")
      d.onnx = text(value, where, k);
    else if (key == "dims")
      read_onnx_dims(value, where, d);
    else if (key == "layers")
      d.sizes.layers = positive_int(value, where, k);
    else if (key == "d_model")
      d.sizes.d_model = positive_int(value, where, k);
    else if (key == "heads")
      d.sizes.heads = positive_int(value, where, k);
    else if (key == "vocab")
      d.sizes.vocab = positive_int(value, where, k);
    else if (key == "seed")
      d.seed = static_cast<uint64_t>(positive_int(value, where, k));
    else
      bad(where, k, "unknown (expected builtin, layers, d_model, heads, vocab, seed, onnx, dims)");
  }
}

DeploymentDevice read_device(const json& j, const std::string& where, size_t i) {
  const std::string key = fmt::format("devices[{}]", i);
  if (j.is_string()) {
    try {
      return parse_deployment_device(j.get<std::string>());
    } catch (const Error& e) {
      bad(where, key, e.what());
    }
  }
  if (!j.is_object()) bad(where, key, "expected \"name[:preset][ xN]\" or an object");
  DeploymentDevice dev;
  for (const auto& [k, value] : j.items()) {
    if (k == "name")
      dev.name = text(value, where, key + ".name");
    else if (k == "preset")
      dev.preset = text(value, where, key + ".preset");
    else if (k == "count")
      dev.count = static_cast<int>(positive_int(value, where, key + ".count"));
    else
      bad(where, key + "." + k, "unknown (expected name, preset, count)");
  }
  if (dev.name.empty()) bad(where, key + ".name", "missing");
  return dev;
}

void read_placement(const json& p, const std::string& where, Deployment& d) {
  if (p.is_string()) {
    d.policy = p.get<std::string>();
    if (d.policy != "priority" && d.policy != "cost")
      bad(where, "placement",
          fmt::format("'{}' is not priority, cost or an op -> device object", d.policy));
    return;
  }
  if (!p.is_object()) bad(where, "placement", "expected priority, cost or {\"Op\": \"device\"}");
  for (const auto& [op, device] : p.items()) {
    if (!ir::parse_op(op)) bad(where, "placement." + op, "no op of that name");
    d.op_rules[op] = text(device, where, "placement." + op);
  }
}

}  // namespace

DeploymentDevice parse_deployment_device(const std::string& entry) {
  const auto bad = [&] {
    return Error(
        fmt::format("device '{}' must look like name[:preset][ xN] (npu:atom-like x2)", entry));
  };
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  // name[:preset]: the first run of non-space characters.
  size_t i = 0;
  while (i < entry.size() && is_space(entry[i])) ++i;
  const size_t head_begin = i;
  while (i < entry.size() && !is_space(entry[i])) ++i;
  const std::string head = entry.substr(head_begin, i - head_begin);
  const size_t colon = head.find(':');
  DeploymentDevice d{head.substr(0, colon),
                     colon == std::string::npos ? "" : head.substr(colon + 1), 1};
  const bool name_ok = !d.name.empty() && std::all_of(d.name.begin(), d.name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!name_ok || (colon != std::string::npos && d.preset.empty())) throw bad();
  // Then nothing, or "x N".
  while (i < entry.size() && is_space(entry[i])) ++i;
  if (i == entry.size()) return d;
  if (entry[i] != 'x') throw bad();
  ++i;
  while (i < entry.size() && is_space(entry[i])) ++i;
  const size_t digits = i;
  int64_t count = 0;
  for (; i < entry.size() && std::isdigit(static_cast<unsigned char>(entry[i])); ++i) {
    count = count * 10 + (entry[i] - '0');
    if (count > 1'000'000)
      throw Error(fmt::format("device '{}': count must be at most 1000000", entry));
  }
  while (i < entry.size() && is_space(entry[i])) ++i;
  if (i == digits || i != entry.size()) throw bad();
  if (count < 1) throw Error(fmt::format("device '{}': count must be at least 1", entry));
  d.count = static_cast<int>(count);
  return d;
}

Deployment parse_deployment(const std::string& json_text, const std::string& where, Deployment d) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("deployment {}: not JSON: {}", where, e.what()));
  }
  if (!j.is_object()) throw Error(fmt::format("deployment {}: expected a JSON object", where));
  for (const auto& [key, value] : j.items()) {
    if (key == "model") {
      read_model(value, where, d);
    } else if (key == "batch") {
      d.batch = positive_int(value, where, key);
    } else if (key == "prompt") {
      d.prompt = positive_int(value, where, key);
    } else if (key == "generate") {
      d.generate = positive_int(value, where, key);
    } else if (key == "decode_samples") {
      d.decode_samples = static_cast<int>(positive_int(value, where, key));
    } else if (key == "devices") {
      if (!value.is_array() || value.empty()) bad(where, key, "expected a non-empty array");
      d.devices.clear();
      for (size_t i = 0; i < value.size(); ++i)
        d.devices.push_back(read_device(value[i], where, i));
    } else if (key == "link") {
      try {
        d.link = parse_link(value.is_string() ? value.get<std::string>() : value.dump());
      } catch (const Error& e) {
        bad(where, key, e.what());
      }
    } else if (key == "host") {
      try {
        d.host = parse_host(value.is_string() ? value.get<std::string>() : value.dump());
      } catch (const Error& e) {
        bad(where, key, e.what());
      }
    } else if (key == "placement") {
      read_placement(value, where, d);
    } else {
      bad(where, key,
          "unknown (expected model, batch, prompt, generate, devices, link, host, placement, "
          "decode_samples)");
    }
  }
  return d;
}

void check_deployment(const Deployment& d) {
  if (d.batch < 1 || d.batch > (int64_t{1} << 16))
    throw Error(fmt::format("deployment: batch {} must be between 1 and 65536", d.batch));
  if (!d.onnx.empty() && (d.sizes.layers || d.sizes.d_model || d.sizes.heads || d.sizes.vocab))
    throw Error(fmt::format(
        "deployment: model '{}': layers, d_model, heads and vocab shape a built-in model; an ONNX "
        "model has its own (its symbolic dims are bound by model.dims)",
        d.onnx));
  if (d.prompt < 1 || d.generate < 1 || d.decode_samples < 1)
    throw Error("deployment: prompt, generate and decode_samples must be at least 1");
  for (const DeploymentDevice& dev : d.devices)
    if (dev.count > 1 && dev.name != "npu")
      throw Error(
          fmt::format("deployment: device '{}' x{}: only npus are replicated (tensor parallelism)",
                      dev.name, dev.count));
}

}  // namespace nuri::rt
