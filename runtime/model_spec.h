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

// A number under `key` of a spec's object: required, finite, non-negative (positive when
// `positive`); errors name `what`, `where` and the key.
double spec_number(const nlohmann::json& j, const char* key, bool positive, const std::string& what,
                   const std::string& where);

// Refuses keys outside `allowed`, naming the unknown one and listing the allowed.
void check_spec_keys(const nlohmann::json& j, const std::vector<std::string>& allowed,
                     const std::string& what, const std::string& where);

}  // namespace nuri::rt
