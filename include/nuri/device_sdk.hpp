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

#include <sys/mman.h>

#include "nuri/device.h"
#include "nuri/error.hpp"

namespace nuri::sdk {

// Fills err within the caller's struct_size (ABI rule).
inline nuri_status set_error(nuri_error* err, nuri_status status, const std::string& message) {
  return nuri_error_set(err, status, message.c_str());
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

// Host-memory buffer: owned, 64-byte aligned and reading as zeros until written, or (imported)
// the caller's memory, or (ABI 2.4) virtual: a size with no storage at all (data() is null), for
// a device that only times its work. A large owned buffer is mapped from the kernel's zero
// pages, so one that is never written costs address space, not memory.
class HostBuffer {
 public:
  struct Virtual {};
  explicit HostBuffer(uint64_t bytes) : bytes_(bytes), data_(allocate(bytes)), owned_(true) {}
  // Wraps memory the caller owns and keeps valid for the buffer's life.
  HostBuffer(void* external, uint64_t bytes)
      : bytes_(bytes), data_(static_cast<std::byte*>(external)), owned_(false) {}
  HostBuffer(uint64_t bytes, Virtual)
      : bytes_(bytes), data_(nullptr), owned_(true), virtual_(true) {}
  ~HostBuffer() {
    if (!owned_ || virtual_) return;
    if (mapped(bytes_))
      ::munmap(data_, bytes_);
    else
      ::operator delete (data_, std::align_val_t{64});
  }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  std::byte* data() { return data_; }
  uint64_t size() const { return bytes_; }
  bool owned() const { return owned_; }
  bool is_virtual() const { return virtual_; }

 private:
  static bool mapped(uint64_t bytes) { return bytes >= (uint64_t{1} << 20); }
  static std::byte* allocate(uint64_t bytes) {
    if (mapped(bytes)) {  // page-aligned zeros, each page resident only once touched
      void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      return static_cast<std::byte*>(p);
    }
    auto* p = static_cast<std::byte*>(::operator new (bytes ? bytes : 1, std::align_val_t{64}));
    std::memset(p, 0, bytes);
    return p;
  }

  uint64_t bytes_;
  std::byte* data_;
  bool owned_;
  bool virtual_ = false;
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
  // Fills a zeroed, full-size struct; the C glue copies it out within the caller's size.
  virtual void properties(nuri_device_properties* out) = 0;
  virtual bool supports(const nuri_graph_desc* graph, size_t node) = 0;
  // Why supports() declined node `node`, in the device's words (shown by --placement).
  virtual std::string decline_reason(const nuri_graph_desc* /*graph*/, size_t /*node*/) {
    return "";
  }
  virtual std::unique_ptr<HostExecutable> compile(const nuri_graph_desc* partition) = 0;
  // Optional cost model: seconds, or a negative number for "no estimate".
  virtual double estimate_cost(const nuri_graph_desc* /*graph*/, size_t /*node*/) { return -1; }

  // The device's name, from properties() asked once.
  const std::string& name() {
    if (name_.empty()) {
      nuri_device_properties p{};
      p.struct_size = sizeof(p);
      properties(&p);
      name_ = p.name ? p.name : "?";
    }
    return name_;
  }

  HostBuffer* alloc(uint64_t bytes) {
    reserve(bytes);
    auto* b = new HostBuffer(bytes);
    allocated_ += bytes;
    return b;
  }
  // True when no execute reads or writes buffer bytes (a simulator in timing-only mode): the
  // device then hands out virtual buffers (ABI 2.4). Data-dependent inputs it still reads (an
  // Embedding's ids) see a virtual buffer as zeros.
  virtual bool only_times() const { return false; }
  // A buffer of `bytes` without storage; it counts against the capacity as a real one (the
  // modelled device would hold it).
  HostBuffer* alloc_virtual(uint64_t bytes) {
    if (!only_times())
      throw Error("device '" + name() + "' computes real outputs: its buffers need storage",
                  NURI_ERROR_UNSUPPORTED);
    reserve(bytes);
    auto* b = new HostBuffer(bytes, HostBuffer::Virtual{});
    allocated_ += bytes;
    return b;
  }
  // The 1.x spelling, kept so C++ devices need no edit.
  HostBuffer* alloc(uint64_t bytes, const char* /*device_name*/) { return alloc(bytes); }
  // Host memory is this device's memory: importing wraps it without a copy.
  HostBuffer* import(void* host_data, uint64_t bytes) {
    if (!host_data && bytes) throw Error("device '" + name() + "': import of a null pointer");
    return new HostBuffer(host_data, bytes);
  }
  void free(HostBuffer* b) {
    if (!b) return;
    if (b->owned()) allocated_ -= b->size();
    delete b;
  }
  uint64_t allocated() const { return allocated_; }
  uint64_t capacity() const { return capacity_; }

 private:
  void reserve(uint64_t bytes) {
    if (bytes > capacity_ - std::min(capacity_, allocated_))
      throw Error("device '" + name() + "' out of memory: " + std::to_string(bytes) +
                      " bytes requested, " + std::to_string(capacity_ - allocated_) + " of " +
                      std::to_string(capacity_) + " free",
                  NURI_ERROR_OUT_OF_MEMORY);
  }

  uint64_t capacity_;
  uint64_t allocated_ = 0;
  std::string name_;
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
  if (b->is_virtual())
    throw Error("the buffer of " + std::to_string(b->size()) +
                    " bytes is virtual (allocated for a timing-only run): it has no bytes to "
                    "read or write",
                NURI_ERROR_INVALID_ARGUMENT);
  if (offset > b->size() || bytes > b->size() - offset)
    throw Error("buffer access [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                ") outside a buffer of " + std::to_string(b->size()) + " bytes");
}
}  // namespace detail

// The ABI table for a HostDevice subclass made by `Create(options)`. The ABI's rules live here,
// not in the devices: writes stop at the caller's struct_size, args structs are unpacked, and
// exceptions become a status and message.
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
    a.device_release = [](nuri_device_impl* d) { delete dev(d); };
    a.device_get_properties = [](nuri_device_impl* d, nuri_device_properties* out,
                                 nuri_error* err) {
      return guard(err, [&] {
        nuri_device_properties full{};
        full.struct_size = sizeof(full);
        dev(d)->properties(&full);
        nuri_struct_copy_out(out, &full, sizeof(full));
      });
    };
    a.device_query_op = [](nuri_device_impl* d, nuri_op_query_args* args, nuri_error* err) {
      return guard(err, [&] {
        const bool yes = dev(d)->supports(args->graph, args->node);
        const std::string why = yes ? "" : dev(d)->decline_reason(args->graph, args->node);
        args->supported = yes ? 1 : 0;
        if (args->reason && args->reason_bytes) {
          const size_t n = std::min(why.size(), args->reason_bytes - 1);
          std::memcpy(args->reason, why.data(), n);
          args->reason[n] = '\0';
        }
      });
    };
    a.buffer_alloc = [](nuri_device_impl* d, uint64_t bytes, nuri_buffer_impl** out,
                        nuri_error* err) {
      return guard(err, [&] { *out = reinterpret_cast<nuri_buffer_impl*>(dev(d)->alloc(bytes)); });
    };
    a.buffer_release = [](nuri_device_impl* d, nuri_buffer_impl* b) { dev(d)->free(buf(b)); };
    a.buffer_write = [](nuri_device_impl*, nuri_buffer_impl* b, uint64_t off, const void* src,
                        uint64_t bytes, nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(b), off, bytes);
        if (bytes && buf(b)->data() + off != src) std::memcpy(buf(b)->data() + off, src, bytes);
      });
    };
    a.buffer_read = [](nuri_device_impl*, nuri_buffer_impl* b, uint64_t off, void* dst,
                       uint64_t bytes, nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(b), off, bytes);
        if (bytes && buf(b)->data() + off != dst) std::memcpy(dst, buf(b)->data() + off, bytes);
      });
    };
    a.buffer_copy = [](nuri_device_impl*, nuri_buffer_impl* s, nuri_buffer_impl* t, uint64_t bytes,
                       nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(s), 0, bytes);
        check_range(buf(t), 0, bytes);
        if (bytes) std::memmove(buf(t)->data(), buf(s)->data(), bytes);
      });
    };
    a.executable_compile = [](nuri_device_impl* d, nuri_compile_args* args, nuri_error* err) {
      return guard(err, [&] {
        args->executable =
            reinterpret_cast<nuri_executable_impl*>(dev(d)->compile(args->partition).release());
      });
    };
    a.executable_release = [](nuri_device_impl*, nuri_executable_impl* e) { delete exe(e); };
    a.executable_execute = [](nuri_device_impl*, nuri_execute_args* args, nuri_error* err) {
      return guard(err, [&] {
        std::vector<HostBuffer*> ins(args->num_inputs), outs(args->num_outputs);
        for (size_t i = 0; i < ins.size(); ++i) ins[i] = buf(args->inputs[i]);
        for (size_t i = 0; i < outs.size(); ++i) outs[i] = buf(args->outputs[i]);
        exe(args->executable)->execute(ins, outs);
        // Synchronous: the event is complete when returned; its only job is to be released.
        args->event = reinterpret_cast<nuri_event_impl*>(new int(1));
      });
    };
    a.executable_get_stats = [](nuri_device_impl*, nuri_executable_impl* e, nuri_exec_stats* out,
                                nuri_error* err) {
      return guard(err, [&] {
        nuri_exec_stats full = exe(e)->stats();
        full.struct_size = sizeof(full);
        nuri_struct_copy_out(out, &full, sizeof(full));
      });
    };
    a.event_wait = [](nuri_device_impl*, nuri_event_impl*, nuri_error*) { return NURI_OK; };
    a.event_release = [](nuri_device_impl*, nuri_event_impl* ev) {
      delete reinterpret_cast<int*>(ev);
    };
    a.event_query = [](nuri_device_impl*, nuri_event_impl*) { return int32_t{1}; };
    a.device_estimate_op = [](nuri_device_impl* d, nuri_op_cost_args* args, nuri_error* err) {
      return guard(err, [&] {
        const double seconds = dev(d)->estimate_cost(args->graph, args->node);
        if (seconds < 0) throw Error("no estimate", NURI_ERROR_UNSUPPORTED);
        args->seconds = seconds;
      });
    };
    a.executable_write_report = [](nuri_device_impl*, nuri_executable_impl* e, const char* report,
                                   const char* trace, nuri_error* err) {
      return guard(err, [&] { exe(e)->write_report(report, trace); });
    };
    a.buffer_import_host = [](nuri_device_impl* d, nuri_buffer_import_args* args, nuri_error* err) {
      return guard(err, [&] {
        args->buffer =
            reinterpret_cast<nuri_buffer_impl*>(dev(d)->import(args->host_data, args->bytes));
      });
    };
    a.buffer_get_host_pointer = [](nuri_device_impl*, nuri_buffer_host_pointer_args* args,
                                   nuri_error* err) {
      return guard(err, [&] {
        if (!args->buffer) throw Error("null buffer");
        args->host_data = buf(args->buffer)->data();
      });
    };
    // The runtime pairs this entry only with itself, so the source is a HostDevice's buffer too.
    a.buffer_copy_peer = [](nuri_device_impl*, nuri_buffer_copy_peer_args* args, nuri_error* err) {
      return guard(err, [&] {
        check_range(buf(args->src), args->src_offset, args->bytes);
        check_range(buf(args->dst), args->dst_offset, args->bytes);
        if (args->bytes)
          std::memmove(buf(args->dst)->data() + args->dst_offset,
                       buf(args->src)->data() + args->src_offset, args->bytes);
      });
    };
    a.buffer_alloc_virtual = [](nuri_device_impl* d, nuri_buffer_virtual_args* args,
                                nuri_error* err) {
      return guard(err, [&] {
        args->buffer = reinterpret_cast<nuri_buffer_impl*>(dev(d)->alloc_virtual(args->bytes));
      });
    };
    return a;
  }();
  return &api;
}

}  // namespace nuri::sdk
