// Header-only helpers for writing a device in C++ on top of the C ABI (nuri/device.h): turn
// exceptions into status + message, and a ready base for devices whose memory is host memory
// and whose executions finish synchronously. Built-in devices use it; so may plugins — it needs
// nothing but the public headers.
#pragma once

#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "nuri/device.h"
#include "nuri/error.hpp"

namespace nuri::sdk {

inline nuri_status set_error(nuri_error* err, nuri_status status, const std::string& message) {
  if (err) {
    err->status = status;
    const size_t n = std::min(message.size(), sizeof(err->message) - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
  }
  return status;
}

// Runs f; any exception becomes a status and message. Nothing escapes across the ABI.
template <typename F>
nuri_status guard(nuri_error* err, F&& f) noexcept {
  try {
    f();
    return NURI_OK;
  } catch (const nuri::Error& e) {
    return set_error(err, e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(err, NURI_ERROR_OUT_OF_MEMORY, "out of host memory");
  } catch (const std::exception& e) {
    return set_error(err, NURI_ERROR_INTERNAL, e.what());
  } catch (...) {
    return set_error(err, NURI_ERROR_INTERNAL, "unknown exception");
  }
}

// Parses a device_create options string "key=value;key=value" and rejects keys not in
// `known`, naming the device and listing what it accepts.
inline std::map<std::string, std::string> parse_options(const char* options, const char* device,
                                                        std::initializer_list<const char*> known) {
  std::map<std::string, std::string> out;
  const std::string text = options ? options : "";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    bool ok = false;
    std::string accepted;
    for (const char* k : known) {
      ok = ok || key == k;
      accepted += std::string(accepted.empty() ? "" : ", ") + k;
    }
    if (!ok)
      throw Error(std::string(device) + ": unknown option '" + key + "' (accepted: " + accepted +
                  ")");
    if (eq == std::string::npos)
      throw Error(std::string(device) + ": option '" + key + "' needs a value (key=value)");
    out[key] = item.substr(eq + 1);
  }
  return out;
}

// An integer option value, with the option named in the error.
inline long long option_int(const std::map<std::string, std::string>& opts, const char* key,
                            long long fallback, const char* device) {
  auto it = opts.find(key);
  if (it == opts.end()) return fallback;
  try {
    size_t used = 0;
    const long long v = std::stoll(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error(std::string(device) + ": option '" + key + "' must be an integer, got '" +
              it->second + "'");
}

// A 0/1 option value (also true/false), with the option named in the error.
inline bool option_flag(const std::map<std::string, std::string>& opts, const char* key,
                        bool fallback, const char* device) {
  auto it = opts.find(key);
  if (it == opts.end()) return fallback;
  if (it->second == "1" || it->second == "true") return true;
  if (it->second == "0" || it->second == "false") return false;
  throw Error(std::string(device) + ": option " + key + "=" + it->second + ": expected 0 or 1");
}

// Host-memory buffer, 64-byte aligned.
class HostBuffer {
 public:
  explicit HostBuffer(uint64_t bytes)
      : bytes_(bytes),
        data_(static_cast<std::byte*>(::operator new (bytes ? bytes : 1, std::align_val_t{64}))) {}
  ~HostBuffer() { ::operator delete (data_, std::align_val_t{64}); }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  std::byte* data() { return data_; }
  uint64_t size() const { return bytes_; }

 private:
  uint64_t bytes_;
  std::byte* data_;
};

class HostExecutable {
 public:
  virtual ~HostExecutable() = default;
  // Buffers follow the partition's inputs and outputs.
  virtual void execute(std::span<HostBuffer* const> inputs,
                       std::span<HostBuffer* const> outputs) = 0;
  virtual nuri_exec_stats stats() const {
    nuri_exec_stats s{};
    s.struct_size = sizeof(s);
    return s;
  }
  virtual void write_report(const char* /*report_path*/, const char* /*trace_path*/) {
    throw Error("this device writes no reports", NURI_ERROR_UNSUPPORTED);
  }
};

class HostDevice {
 public:
  explicit HostDevice(uint64_t memory_capacity) : capacity_(memory_capacity) {}
  virtual ~HostDevice() = default;
  virtual void properties(nuri_device_properties* out) = 0;
  virtual bool supports(const nuri_graph_desc* graph, size_t node) = 0;
  virtual std::unique_ptr<HostExecutable> compile(const nuri_graph_desc* partition) = 0;
  // Optional cost model: seconds, or a negative number for "no estimate".
  virtual double estimate_cost(const nuri_graph_desc* /*graph*/, size_t /*node*/) { return -1; }

  HostBuffer* alloc(uint64_t bytes, const char* device_name) {
    if (bytes > capacity_ - std::min(capacity_, allocated_))
      throw Error("device '" + std::string(device_name) +
                      "' out of memory: " + std::to_string(bytes) + " bytes requested, " +
                      std::to_string(capacity_ - allocated_) + " of " + std::to_string(capacity_) +
                      " free",
                  NURI_ERROR_OUT_OF_MEMORY);
    auto* b = new HostBuffer(bytes);
    allocated_ += bytes;
    return b;
  }
  void free(HostBuffer* b) {
    if (!b) return;
    allocated_ -= b->size();
    delete b;
  }
  uint64_t allocated() const { return allocated_; }

 private:
  uint64_t capacity_;
  uint64_t allocated_ = 0;
};

namespace detail {
inline HostDevice* dev(nuri_device_impl* d) {
  return reinterpret_cast<HostDevice*>(d);
}
inline HostBuffer* buf(nuri_buffer_impl* b) {
  return reinterpret_cast<HostBuffer*>(b);
}
inline HostExecutable* exe(nuri_executable_impl* e) {
  return reinterpret_cast<HostExecutable*>(e);
}
inline void check_range(HostBuffer* b, uint64_t offset, uint64_t bytes) {
  if (!b) throw Error("null buffer");
  if (offset > b->size() || bytes > b->size() - offset)
    throw Error("buffer access [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                ") outside a buffer of " + std::to_string(b->size()) + " bytes");
}
}  // namespace detail

// The ABI table for a HostDevice subclass made by `Create(options)`.
template <HostDevice* (*Create)(const char* options)>
const nuri_device_api* host_device_api(const char* plugin_name) {
  using namespace detail;
  static nuri_device_api api = [plugin_name] {
    nuri_device_api a{};
    a.struct_size = sizeof(nuri_device_api);
    a.abi_major = NURI_DEVICE_ABI_MAJOR;
    a.abi_minor = NURI_DEVICE_ABI_MINOR;
    a.plugin_name = plugin_name;
    a.device_create = [](const char* options, nuri_device_impl** out, nuri_error* err) {
      return guard(err, [&] { *out = reinterpret_cast<nuri_device_impl*>(Create(options)); });
    };
    a.device_destroy = [](nuri_device_impl* d) { delete dev(d); };
    a.device_get_properties = [](nuri_device_impl* d, nuri_device_properties* out,
                                 nuri_error* err) {
      return guard(err, [&] { dev(d)->properties(out); });
    };
    a.device_supports_op = [](nuri_device_impl* d, const nuri_graph_desc* g, size_t node) {
      int32_t yes = 0;
      guard(nullptr, [&] { yes = dev(d)->supports(g, node) ? 1 : 0; });
      return yes;
    };
    a.buffer_alloc = [](nuri_device_impl* d, uint64_t bytes, nuri_buffer_impl** out,
                        nuri_error* err) {
      return guard(err, [&] {
        nuri_device_properties p{};
        p.struct_size = sizeof(p);
        dev(d)->properties(&p);
        *out = reinterpret_cast<nuri_buffer_impl*>(dev(d)->alloc(bytes, p.name));
      });
    };
    a.buffer_free = [](nuri_device_impl* d, nuri_buffer_impl* b) { dev(d)->free(buf(b)); };
    a.buffer_write = [](nuri_device_impl*, nuri_buffer_impl* b, uint64_t off, const void* src,
                        uint64_t bytes, nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(b), off, bytes);
        if (bytes) std::memcpy(buf(b)->data() + off, src, bytes);
      });
    };
    a.buffer_read = [](nuri_device_impl*, nuri_buffer_impl* b, uint64_t off, void* dst,
                       uint64_t bytes, nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(b), off, bytes);
        if (bytes) std::memcpy(dst, buf(b)->data() + off, bytes);
      });
    };
    a.buffer_copy = [](nuri_device_impl*, nuri_buffer_impl* s, nuri_buffer_impl* t, uint64_t bytes,
                       nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(s), 0, bytes);
        check_range(buf(t), 0, bytes);
        if (bytes) std::memcpy(buf(t)->data(), buf(s)->data(), bytes);
      });
    };
    a.compile = [](nuri_device_impl* d, const nuri_graph_desc* g, nuri_executable_impl** out,
                   nuri_error* err) {
      return guard(err, [&] {
        *out = reinterpret_cast<nuri_executable_impl*>(dev(d)->compile(g).release());
      });
    };
    a.executable_release = [](nuri_device_impl*, nuri_executable_impl* e) { delete exe(e); };
    a.execute = [](nuri_device_impl*, nuri_executable_impl* e, nuri_buffer_impl* const* in,
                   size_t n_in, nuri_buffer_impl* const* out, size_t n_out, nuri_event_impl** ev,
                   nuri_error* err) {
      return guard(err, [&] {
        std::vector<HostBuffer*> ins(n_in), outs(n_out);
        for (size_t i = 0; i < n_in; ++i) ins[i] = buf(in[i]);
        for (size_t i = 0; i < n_out; ++i) outs[i] = buf(out[i]);
        exe(e)->execute(ins, outs);
        // Synchronous: the event is complete when returned; its only job is to be released.
        *ev = reinterpret_cast<nuri_event_impl*>(new int(1));
      });
    };
    a.event_wait = [](nuri_device_impl*, nuri_event_impl*, nuri_error*) { return NURI_OK; };
    a.event_query = [](nuri_device_impl*, nuri_event_impl*) { return int32_t{1}; };
    a.event_release = [](nuri_device_impl*, nuri_event_impl* ev) {
      delete reinterpret_cast<int*>(ev);
    };
    a.executable_get_stats = [](nuri_device_impl*, nuri_executable_impl* e, nuri_exec_stats* out,
                                nuri_error* err) {
      return guard(err, [&] { *out = exe(e)->stats(); });
    };
    a.estimate_cost = [](nuri_device_impl* d, const nuri_graph_desc* g, size_t node,
                         double* seconds, nuri_error* err) {
      return guard(err, [&] {
        *seconds = dev(d)->estimate_cost(g, node);
        if (*seconds < 0) throw Error("no estimate", NURI_ERROR_UNSUPPORTED);
      });
    };
    a.executable_write_report = [](nuri_device_impl*, nuri_executable_impl* e, const char* report,
                                   const char* trace, nuri_error* err) {
      return guard(err, [&] { exe(e)->write_report(report, trace); });
    };
    return a;
  }();
  return &api;
}

}  // namespace nuri::sdk
