#include "compiler/frontend/onnx/onnx_wire.h"

#include <cstdint>

namespace nuri::onnx {
namespace {

// Field numbers of onnx.proto that lead to the weights.
constexpr uint64_t kModelGraph = 7;        // ModelProto.graph
constexpr uint64_t kGraphInitializer = 5;  // GraphProto.initializer
constexpr uint64_t kTensorRawData = 9;     // TensorProto.raw_data
constexpr uint64_t kLengthDelimited = 2;

struct Reader {
  const std::byte* p;
  const std::byte* end;
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      const auto b = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  // One field: its number, wire type and (length-delimited) payload.
  bool field(uint64_t& number, uint64_t& wire, const std::byte*& payload, size_t& length) {
    uint64_t tag;
    if (!varint(tag)) return false;
    number = tag >> 3;
    wire = tag & 7;
    switch (wire) {
      case 0: {
        uint64_t ignored;
        return varint(ignored);
      }
      case 1:
      case 5: {
        const size_t n = wire == 1 ? 8 : 4;
        if (static_cast<size_t>(end - p) < n) return false;
        p += n;
        return true;
      }
      case kLengthDelimited: {
        uint64_t n;
        if (!varint(n) || n > static_cast<uint64_t>(end - p)) return false;
        payload = p;
        length = static_cast<size_t>(n);
        p += n;
        return true;
      }
      default:  // groups: not in onnx.proto
        return false;
    }
  }
};

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_message(std::string& out, uint64_t number, const std::string& body) {
  put_varint(out, (number << 3) | kLengthDelimited);
  put_varint(out, body.size());
  out += body;
}

// Copies each field of a message, handing the one numbered `special` (length-delimited) to
// `rewrite` instead. False on malformed bytes or when `rewrite` fails.
template <typename Rewrite>
bool rewrite_fields(const std::byte* begin, size_t size, uint64_t special, std::string& out,
                    Rewrite&& rewrite) {
  Reader r{begin, begin + size};
  while (r.p < r.end) {
    const std::byte* start = r.p;
    uint64_t number = 0, wire = 0;
    const std::byte* payload = nullptr;
    size_t length = 0;
    if (!r.field(number, wire, payload, length)) return false;
    if (number == special && wire == kLengthDelimited) {
      if (!rewrite(payload, length)) return false;
    } else {
      out.append(reinterpret_cast<const char*>(start), static_cast<size_t>(r.p - start));
    }
  }
  return true;
}

}  // namespace

std::optional<StrippedModel> strip_initializer_data(const std::byte* data, size_t size) {
  StrippedModel m;
  m.bytes.reserve(1 << 16);
  int graphs = 0;
  const bool ok =
      rewrite_fields(data, size, kModelGraph, m.bytes, [&](const std::byte* g, size_t n) {
        if (++graphs > 1) return false;  // a repeated message field merges: leave that to protobuf
        std::string graph;
        const bool graph_ok =
            rewrite_fields(g, n, kGraphInitializer, graph, [&](const std::byte* t, size_t tn) {
              std::string tensor;
              RawDataSpan span;
              const bool tensor_ok = rewrite_fields(
                  t, tn, kTensorRawData, tensor, [&](const std::byte* raw, size_t rn) {
                    span = {true, static_cast<size_t>(raw - data),
                            rn};  // the last one wins, as in protobuf
                    return true;
                  });
              if (!tensor_ok) return false;
              m.raw_data.push_back(span);
              put_message(graph, kGraphInitializer, tensor);
              return true;
            });
        if (!graph_ok) return false;
        put_message(m.bytes, kModelGraph, graph);
        return true;
      });
  if (!ok) return std::nullopt;
  return m;
}

}  // namespace nuri::onnx
