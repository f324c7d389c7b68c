#include "runtime/model_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nuri/error.hpp"

namespace nuri::rt {

std::optional<nlohmann::json> spec_json(const std::string& spec, const std::string& what) {
  const size_t first = spec.find_first_not_of(" \t\n");
  if (first != std::string::npos && spec[first] == '{') {
    try {
      return nlohmann::json::parse(spec);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{} JSON: {}", what, e.what()));
    }
  }
  if (!std::filesystem::is_regular_file(spec)) return std::nullopt;
  std::ifstream in(spec);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{} file '{}': {}", what, spec, e.what()));
  }
}

std::string spec_origin(const std::string& spec) {
  const size_t first = spec.find_first_not_of(" \t\n");
  return first != std::string::npos && spec[first] == '{' ? std::string("JSON")
                                                          : fmt::format("file '{}'", spec);
}

void throw_unknown_spec(const std::string& spec, const std::string& what,
                        const std::vector<std::string>& names) {
  throw Error(fmt::format("{} '{}': not a preset ({}), a JSON object or a file", what, spec,
                          fmt::join(names, ", ")));
}

double spec_number(const nlohmann::json& j, const char* key, bool positive, const std::string& what,
                   const std::string& where) {
  if (!j.contains(key)) throw Error(fmt::format("{} {}: missing key '{}'", what, where, key));
  const nlohmann::json& v = j.at(key);
  const bool ok = v.is_number() && std::isfinite(v.get<double>()) &&
                  (positive ? v.get<double>() > 0 : v.get<double>() >= 0);
  if (!ok)
    throw Error(fmt::format("{} {}: '{}' must be a {} number, got {}", what, where, key,
                            positive ? "positive" : "non-negative", v.dump()));
  return v.get<double>();
}

void check_spec_keys(const nlohmann::json& j, const std::vector<std::string>& allowed,
                     const std::string& what, const std::string& where) {
  if (!j.is_object()) throw Error(fmt::format("{} {}: expected a JSON object", what, where));
  for (const auto& [key, value] : j.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw Error(fmt::format("{} {}: unknown key '{}' (expected {})", what, where, key,
                              fmt::join(allowed, ", ")));
}

}  // namespace nuri::rt
