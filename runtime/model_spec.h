// A model of a part of a deployment (a link, a host) given on the command line or in a
// deployment file: a preset's name, a JSON object's text, or the path of a file holding one.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nuri::rt {

// The JSON object `spec` holds as text or in a file; nullopt when it is neither (a preset name
// the caller did not know, or a typo). `what` ("link", "host") prefixes errors.
std::optional<nlohmann::json> spec_json(const std::string& spec, const std::string& what);

// Throws the error for a spec that is no preset (`names`), JSON object or file.
[[noreturn]] void throw_unknown_spec(const std::string& spec, const std::string& what,
                                     const std::vector<std::string>& names);

// How errors name where a spec's JSON came from: "JSON" (inline) or "file '<path>'".
std::string spec_origin(const std::string& spec);

// The names of `presets` (each has a `name`).
template <class Model>
std::vector<std::string> spec_preset_names(const std::vector<Model>& presets) {
  std::vector<std::string> names;
  for (const Model& m : presets) names.push_back(m.name);
  return names;
}

// A preset of `presets` by name, else the JSON object (inline or in a file) read by
// `from_json(json, origin)`; anything else is refused listing the presets.
template <class Model, class FromJson>
Model parse_spec(const std::string& spec, const std::string& what,
                 const std::vector<Model>& presets, FromJson from_json) {
  for (const Model& m : presets)
    if (m.name == spec) return m;
  const std::optional<nlohmann::json> j = spec_json(spec, what);
  if (!j) throw_unknown_spec(spec, what, spec_preset_names(presets));
  return from_json(*j, spec_origin(spec));
}

// A number under `key` of a spec's object: required, finite, non-negative (positive when
// `positive`); errors name `what`, `where` and the key.
double spec_number(const nlohmann::json& j, const char* key, bool positive, const std::string& what,
                   const std::string& where);

// Refuses keys outside `allowed`, naming the unknown one and listing the allowed.
void check_spec_keys(const nlohmann::json& j, const std::vector<std::string>& allowed,
                     const std::string& what, const std::string& where);

}  // namespace nuri::rt
