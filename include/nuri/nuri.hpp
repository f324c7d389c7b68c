// The C++ API: RAII handles over the C API (nuri/nuri.h), std::span views, and exceptions
// (nuri::Error) carrying Nuri's message. Header-only, so it links against libnuri's C symbols
// alone. Thread safety is the C API's: Session::run may be called from several threads at once
// (runs on one session are serialized); Model and Session objects are cheap shared handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nuri/error.hpp"
#include "nuri/nuri.h"
#include "nuri/tensor.hpp"

namespace nuri {

namespace api_detail {
inline void check(nuri_status status, const nuri_error& err) {
  if (status != NURI_OK) throw Error(err.message, status);
}
inline nuri_error fresh() {
  nuri_error e{};
  e.struct_size = sizeof(e);
  return e;
}
}  // namespace api_detail

inline std::vector<std::string> device_names() {
  std::vector<std::string> names;
  for (size_t i = 0; i < nuri_device_count(); ++i) names.emplace_back(nuri_device_name(i));
  return names;
}

// An input or output as the model declares it: -1 dims are dynamic, dim_names name them.
struct ValueInfo {
  std::string name;
  DType dtype = DType::F32;
  bool has_shape = true;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;
};

// A tensor the caller owns, read (inputs) or written (outputs) where it lies.
struct TensorView {
  DType dtype = DType::F32;
  std::span<const int64_t> shape;
  const void* data = nullptr;
};
struct MutableTensorView {
  DType dtype = DType::F32;
  std::span<const int64_t> shape;
  void* data = nullptr;
};

struct LoadOptions {
  std::vector<std::string> dims;  // "name=size" fixing symbolic dims
  bool fuse = true;               // false: the graph as exported (folded), no fusion passes
  std::string base_dir;           // bytes only: where external data lives ("" refuses it)
};

class Model {
 public:
  static Model load_onnx(const std::string& path) {
    nuri_error err = api_detail::fresh();
    nuri_model* m = nullptr;
    api_detail::check(nuri_model_load_onnx(path.c_str(), &m, &err), err);
    return Model(m);
  }
  static Model load_onnx(std::span<const std::byte> bytes, const LoadOptions& options = {}) {
    std::vector<const char*> dims;
    for (const std::string& d : options.dims) dims.push_back(d.c_str());
    nuri_load_options o{};
    o.struct_size = sizeof(o);
    o.dims = dims.data();
    o.num_dims = dims.size();
    o.no_fuse = options.fuse ? 0 : 1;
    o.base_dir = options.base_dir.empty() ? nullptr : options.base_dir.c_str();
    nuri_error err = api_detail::fresh();
    nuri_model* m = nullptr;
    api_detail::check(nuri_model_load_onnx_bytes(bytes.data(), bytes.size(), &o, &m, &err), err);
    return Model(m);
  }
  static Model gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab, int64_t seq,
                    uint64_t seed = 1) {
    nuri_error err = api_detail::fresh();
    nuri_model* m = nullptr;
    api_detail::check(nuri_model_create_gpt2(layers, d_model, heads, vocab, seq, seed, &m, &err),
                      err);
    return Model(m);
  }

  std::vector<ValueInfo> inputs() const { return infos(true); }
  std::vector<ValueInfo> outputs() const { return infos(false); }
  const nuri_model* get() const { return model_.get(); }

 private:
  explicit Model(nuri_model* m) : model_(m, nuri_model_destroy) {}
  std::vector<ValueInfo> infos(bool input) const {
    nuri_error err = api_detail::fresh();
    size_t n = 0;
    api_detail::check(
        input ? nuri_model_num_inputs(get(), &n, &err) : nuri_model_num_outputs(get(), &n, &err),
        err);
    std::vector<ValueInfo> out;
    for (size_t i = 0; i < n; ++i) {
      nuri_value_info v{};
      v.struct_size = sizeof(v);
      api_detail::check(input ? nuri_model_input_info(get(), i, &v, &err)
                              : nuri_model_output_info(get(), i, &v, &err),
                        err);
      ValueInfo info{v.name, static_cast<DType>(v.dtype), v.rank >= 0, {}, {}};
      for (int32_t d = 0; d < v.rank; ++d) {
        info.shape.push_back(v.dims[d]);
        info.dim_names.emplace_back(v.dim_names[d]);
      }
      out.push_back(std::move(info));
    }
    return out;
  }
  std::shared_ptr<nuri_model> model_;
};

struct SessionOptions {
  std::vector<std::string> devices{"cpu"};  // priority order
  bool strict = false;                      // no fallback to the cpu
  int threads = 0;                          // cpu device threads, 0 = its default
  // device -> key -> value: {{"npu", {{"config", "atom-like"}}}}
  std::map<std::string, std::map<std::string, std::string>> device_options;
};

class Session {
 public:
  Session(const Model& model, const SessionOptions& options = {}) {
    std::string devices;
    for (const std::string& d : options.devices) devices += (devices.empty() ? "" : ",") + d;
    std::vector<std::string> entries;
    for (const auto& [dev, kvs] : options.device_options)
      for (const auto& [k, v] : kvs) entries.push_back(dev + ":" + k + "=" + v);
    std::vector<const char*> entry_ptrs;
    for (const std::string& e : entries) entry_ptrs.push_back(e.c_str());
    nuri_session_options o{};
    o.struct_size = sizeof(o);
    o.devices = devices.c_str();
    o.strict = options.strict ? 1 : 0;
    o.threads = options.threads;
    o.device_options = entry_ptrs.data();
    o.num_device_options = entry_ptrs.size();
    nuri_error err = api_detail::fresh();
    nuri_session* s = nullptr;
    api_detail::check(nuri_session_create_with_options(model.get(), &o, &s, &err), err);
    session_.reset(s, nuri_session_destroy);
  }
  // devices: "npu,cpu".
  Session(const Model& model, const std::string& devices, bool strict = false) {
    nuri_error err = api_detail::fresh();
    nuri_session* s = nullptr;
    api_detail::check(nuri_session_create(model.get(), devices.c_str(), strict, &s, &err), err);
    session_.reset(s, nuri_session_destroy);
  }

  // Runs once; returns the outputs as owned tensors.
  std::vector<Tensor> run(std::span<const TensorView> inputs) {
    std::vector<nuri_tensor> in = to_c(inputs);
    std::vector<nuri_tensor> out(nuri_session_num_outputs(get()), nuri_tensor{});
    nuri_error err = api_detail::fresh();
    api_detail::check(nuri_session_run(get(), in.data(), in.size(), out.data(), out.size(), &err),
                      err);
    std::vector<Tensor> outputs;
    for (const nuri_tensor& t : out) {
      Tensor o(static_cast<DType>(t.dtype), Shape(t.dims, t.dims + t.rank));
      if (o.nbytes()) std::memcpy(o.data(), t.data, o.nbytes());
      outputs.push_back(std::move(o));
    }
    return outputs;
  }
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) {
    std::vector<TensorView> views;
    for (const Tensor& t : inputs) views.push_back({t.dtype(), t.shape(), t.data()});
    return run(std::span<const TensorView>(views));
  }
  // IO binding (nuri_session_bind_input/_output): bind once, then run_bound() many times with
  // no copies of inputs or outputs; the memory must outlive the binding.
  void bind_input(size_t index, const TensorView& t) {
    nuri_tensor c{static_cast<nuri_dtype>(t.dtype), static_cast<int32_t>(t.shape.size()),
                  t.shape.data(), const_cast<void*>(t.data)};
    nuri_error err = api_detail::fresh();
    api_detail::check(nuri_session_bind_input(get(), index, &c, &err), err);
  }
  void bind_output(size_t index, const MutableTensorView& t) {
    nuri_tensor c{static_cast<nuri_dtype>(t.dtype), static_cast<int32_t>(t.shape.size()),
                  t.shape.data(), t.data};
    nuri_error err = api_detail::fresh();
    api_detail::check(nuri_session_bind_output(get(), index, &c, &err), err);
  }
  void run_bound() {
    nuri_error err = api_detail::fresh();
    api_detail::check(nuri_session_run_bound(get(), &err), err);
  }

  // Runs once, writing each output into the caller's memory (dtype and shape must match).
  void run(std::span<const TensorView> inputs, std::span<const MutableTensorView> outputs) {
    std::vector<nuri_tensor> in = to_c(inputs), out;
    for (const MutableTensorView& t : outputs)
      out.push_back({static_cast<nuri_dtype>(t.dtype), static_cast<int32_t>(t.shape.size()),
                     t.shape.data(), t.data});
    nuri_error err = api_detail::fresh();
    api_detail::check(nuri_session_run(get(), in.data(), in.size(), out.data(), out.size(), &err),
                      err);
  }

  // Which node runs where, and why (text).
  std::string placement() const {
    const size_t n = nuri_session_placement(get(), nullptr, 0);
    if (n == 0) throw Error("placement: the session has not compiled yet (run it first)");
    std::string s(n, '\0');
    nuri_session_placement(get(), s.data(), s.size());
    s.pop_back();
    return s;
  }
  // JSON text; see nuri_session_placement_json and nuri_session_report_json.
  std::string placement_json() const { return text(nuri_session_placement_json); }
  std::string report_json() const { return text(nuri_session_report_json); }

  nuri_session* get() const { return session_.get(); }

 private:
  static std::vector<nuri_tensor> to_c(std::span<const TensorView> views) {
    std::vector<nuri_tensor> out;
    for (const TensorView& t : views)
      out.push_back({static_cast<nuri_dtype>(t.dtype), static_cast<int32_t>(t.shape.size()),
                     t.shape.data(), const_cast<void*>(t.data)});
    return out;
  }
  using TextFn = nuri_status (*)(nuri_session*, char*, size_t, size_t*, nuri_error*);
  std::string text(TextFn fn) const {
    nuri_error err = api_detail::fresh();
    size_t n = 0;
    api_detail::check(fn(get(), nullptr, 0, &n, &err), err);
    std::string s(n, '\0');
    api_detail::check(fn(get(), s.data(), s.size(), &n, &err), err);
    s.resize(n - 1);
    return s;
  }
  std::shared_ptr<nuri_session> session_;
};

}  // namespace nuri
