#include "compiler/ir/attributes.h"

#include <fmt/format.h>

#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

const char* type_name(const AttrValue& v) {
  switch (v.index()) {
    case 0:
      return "int";
    case 1:
      return "float";
    case 2:
      return "string";
    case 3:
      return "ints";
    default:
      return "floats";
  }
}

template <typename T>
const T& as(const AttrValue& v, const std::string& name, const char* want) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw Error(fmt::format("attribute '{}' is {}, expected {}", name, type_name(v), want));
}

}  // namespace

const AttrValue& Attributes::require(const std::string& name) const {
  auto it = map_.find(name);
  if (it == map_.end()) throw Error(fmt::format("missing required attribute '{}'", name));
  return it->second;
}

int64_t Attributes::get_int(const std::string& name) const {
  return as<int64_t>(require(name), name, "int");
}
int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? get_int(name) : fallback;
}
double Attributes::get_float(const std::string& name) const {
  const AttrValue& v = require(name);
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return as<double>(v, name, "float");
}
double Attributes::get_float(const std::string& name, double fallback) const {
  return has(name) ? get_float(name) : fallback;
}
const std::string& Attributes::get_string(const std::string& name) const {
  return as<std::string>(require(name), name, "string");
}
std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? get_string(name) : fallback;
}
const std::vector<int64_t>& Attributes::get_ints(const std::string& name) const {
  return as<std::vector<int64_t>>(require(name), name, "ints");
}
std::vector<int64_t> Attributes::get_ints(const std::string& name,
                                          const std::vector<int64_t>& fallback) const {
  return has(name) ? get_ints(name) : fallback;
}

std::string attr_to_string(const AttrValue& value) {
  switch (value.index()) {
    case 0:
      return std::to_string(std::get<int64_t>(value));
    case 1:
      return fmt::format("{:g}", std::get<double>(value));
    case 2:
      return "\"" + std::get<std::string>(value) + "\"";
    case 3:
      return fmt::format("[{}]", fmt::join(std::get<std::vector<int64_t>>(value), ", "));
    default:
      return fmt::format("[{}]", fmt::join(std::get<std::vector<double>>(value), ", "));
  }
}

}  // namespace nuri::ir
