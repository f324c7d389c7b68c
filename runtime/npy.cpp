#include "runtime/npy.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "nuri/error.hpp"

namespace nuri::rt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct DescrMap {
  const char* descr;
  DType dtype;
};
constexpr DescrMap kDescrs[] = {{"<f4", DType::F32}, {"<f2", DType::F16}, {"|i1", DType::I8},
                                {"|u1", DType::U8},  {"<i4", DType::I32}, {"<i8", DType::I64},
                                {"|b1", DType::Bool}};

// The value of 'key' in the header dict, as the raw text up to the next top-level comma.
std::string header_field(const std::string& header, const std::string& key,
                         const std::string& label) {
  const std::string k = "'" + key + "'";
  const size_t at = header.find(k);
  if (at == std::string::npos)
    throw Error(fmt::format("{}: .npy header has no '{}' field", label, key));
  size_t p = header.find(':', at + k.size());
  if (p == std::string::npos) throw Error(fmt::format("{}: malformed .npy header", label));
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  size_t end = p;
  if (p < header.size() && header[p] == '(') {
    end = header.find(')', p);
    if (end == std::string::npos) throw Error(fmt::format("{}: malformed shape in header", label));
    return header.substr(p, end - p + 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  std::string v = header.substr(p, end - p);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

Shape parse_shape(const std::string& text, const std::string& label) {
  Shape shape;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    item = item.substr(b, item.find_last_not_of(' ') - b + 1);
    size_t used = 0;
    int64_t d = -1;
    try {
      d = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || d < 0)
      throw Error(fmt::format("{}: bad dimension '{}' in .npy shape {}", label, item, text));
    shape.push_back(d);
  }
  return shape;
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& label) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw Error(fmt::format("{}: not a .npy file (bad magic)", label));
  const int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len =
        static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(fmt::format("{}: truncated .npy header", label));
    header_len = 0;
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw Error(fmt::format("{}: unsupported .npy format version {}", label, major));
  }
  if (bytes.size() < offset + header_len)
    throw Error(fmt::format("{}: truncated .npy header", label));
  const std::string header = bytes.substr(offset, header_len);
  std::string descr = header_field(header, "descr", label);
  if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"'))
    descr = descr.substr(1, descr.size() - 2);
  if (header_field(header, "fortran_order", label) != "False")
    throw Error(
        fmt::format("{}: Fortran-order arrays are not supported (save with C order)", label));
  std::optional<DType> dtype;
  for (const DescrMap& d : kDescrs)
    if (descr == d.descr ||
        (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == std::string(d.descr).substr(1)))
      dtype = d.dtype;
  if (!dtype)
    throw Error(
        fmt::format("{}: .npy dtype '{}' is not supported (float32, float16, int8, "
                    "int32, int64, bool are)",
                    label, descr));
  const std::string shape_text = header_field(header, "shape", label);
  if (shape_text.empty() || shape_text.front() != '(')
    throw Error(fmt::format("{}: malformed shape '{}' in .npy header", label, shape_text));
  const Shape shape = parse_shape(shape_text, label);
  // Overflow-safe element count before allocating.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > (int64_t{1} << 40) / d)
      throw Error(fmt::format("{}: shape {} is too large", label, shape_str(shape)));
    n *= d;
  }
  const size_t data_bytes = static_cast<size_t>(n) * dtype_size(*dtype);
  const size_t have = bytes.size() - offset - header_len;
  if (have != data_bytes)
    throw Error(fmt::format("{}: .npy data has {} bytes, expected {} for {}{}", label, have,
                            data_bytes, dtype_name(*dtype), shape_str(shape)));
  Tensor t(*dtype, shape);
  if (data_bytes) std::memcpy(t.data(), bytes.data() + offset + header_len, data_bytes);
  return t;
}

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the file", path), NURI_ERROR_NOT_FOUND);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_npy(ss.str(), path);
}

std::string npy_bytes(const Tensor& t) {
  const char* descr = nullptr;
  for (const DescrMap& d : kDescrs)
    if (d.dtype == t.dtype()) descr = d.descr;
  if (!descr)
    throw Error(fmt::format("cannot write a {} tensor as .npy (NumPy has no such dtype)",
                            dtype_name(t.dtype())));
  std::string shape = "(";
  for (int64_t d : t.shape()) shape += std::to_string(d) + ", ";
  if (t.rank() > 1) shape.erase(shape.size() - 2);  // (2, 3) but (4,) and ()
  if (t.rank() == 1) shape.pop_back();
  shape += ")";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  // Pad so the data starts on a 64-byte boundary; the header ends with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(t.data()), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) {
  const std::string bytes = npy_bytes(t);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot create the file", path));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(fmt::format("{}: writing failed", path));
}

}  // namespace nuri::rt
