// Typed node attributes: a small name -> value map with checked getters.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace nuri::ir {

using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

class Attributes {
 public:
  Attributes() = default;
  Attributes(std::initializer_list<std::pair<const std::string, AttrValue>> init) : map_(init) {}

  void set(const std::string& name, AttrValue value) { map_[name] = std::move(value); }
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void erase(const std::string& name) { map_.erase(name); }

  // Getters throw nuri::Error naming the attribute when it is missing (no default) or of
  // another type. An int attribute is accepted where a float is asked for.
  int64_t get_int(const std::string& name) const;
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_float(const std::string& name) const;
  double get_float(const std::string& name, double fallback) const;
  const std::string& get_string(const std::string& name) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  const std::vector<int64_t>& get_ints(const std::string& name) const;
  std::vector<int64_t> get_ints(const std::string& name,
                                const std::vector<int64_t>& fallback) const;

  const std::map<std::string, AttrValue>& all() const { return map_; }
  bool operator==(const Attributes&) const = default;

 private:
  const AttrValue& require(const std::string& name) const;
  std::map<std::string, AttrValue> map_;
};

std::string attr_to_string(const AttrValue& value);

}  // namespace nuri::ir
