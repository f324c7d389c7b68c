// The C API (nuri/nuri.h) over sessions and the registry. Nothing throws across it: every entry
// point checks its handles and out-pointers and turns exceptions into a status and message.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "compiler/models/gpt2.h"
#include "nuri/device_sdk.hpp"
#include "nuri/nuri.h"
#include "runtime/model_inputs.h"
#include "runtime/model_session.h"
#include "runtime/session.h"
#include "runtime/session_options.h"
#include "runtime/session_report.h"

namespace {

using nuri::Error;
using nuri::sdk::guard;

// An input or output as the model declares it, with storage for the C view.
struct ValueInfo {
  std::string name;
  nuri::DType dtype = nuri::DType::F32;
  bool has_shape = true;
  std::vector<int64_t> dims;  // -1 where dynamic
  std::vector<std::string> dim_names;
  std::vector<const char*> dim_name_ptrs;

  void finish() {
    dim_name_ptrs.clear();
    for (const std::string& n : dim_names) dim_name_ptrs.push_back(n.c_str());
  }
};

ValueInfo info_of(const nuri::ir::Value& v) {
  ValueInfo info{
      v.name, v.type.dtype, true, v.type.shape, std::vector<std::string>(v.type.shape.size()), {}};
  info.finish();
  return info;
}

ValueInfo info_of(const nuri::onnx::OnnxInput& in, const std::map<std::string, int64_t>& fixed) {
  ValueInfo info{in.name, in.dtype, in.has_shape, {}, {}, {}};
  for (const nuri::onnx::OnnxDim& d : in.dims) {
    auto f = d.param.empty() ? fixed.end() : fixed.find(d.param);
    info.dims.push_back(d.size >= 0 ? d.size : f != fixed.end() ? f->second : -1);
    info.dim_names.push_back(d.param);
  }
  info.finish();
  return info;
}

}  // namespace

// A model: a static graph (built in) or a loaded ONNX model specialized per input shapes.
struct nuri_model {
  std::optional<nuri::ir::Graph> graph;
  std::shared_ptr<const nuri::onnx::OnnxModel> onnx;
  nuri::onnx::ImportOptions import;
  std::vector<ValueInfo> inputs, outputs;
};

struct nuri_session {
  std::mutex mu;  // runs and reports on one session are serialized
  std::vector<ValueInfo> inputs, outputs;
  std::unique_ptr<nuri::rt::Session> fixed;         // static-graph models
  std::unique_ptr<nuri::rt::ModelSession> dynamic;  // ONNX models
  nuri::rt::Session* last = nullptr;                // the session the last run used
  // Session-owned outputs, per calling thread, so threads sharing a session keep their own.
  std::map<std::thread::id, std::vector<nuri::Tensor>> owned_outputs;
  double wall_ns = 0;
  bool has_run = false;
  // IO binding: the caller's tensors (dims copied; null data: not bound), and the compiled
  // session they were last handed to (rebound when a binding changes or dynamic dims pick
  // another).
  std::vector<nuri::rt::TensorView> bound_in, bound_out;
  nuri::rt::Session* bound_to = nullptr;
};

namespace {

// The C views point into the strings: set them once the vectors stop moving.
template <typename Owner>
void finish_all(Owner& o) {
  for (ValueInfo& v : o.inputs) v.finish();
  for (ValueInfo& v : o.outputs) v.finish();
}

template <typename T>
T& need(T* p, const char* what) {
  if (!p) throw Error(fmt::format("{} is NULL", what));
  return *p;
}

void fill_info(const std::vector<ValueInfo>& infos, size_t i, nuri_value_info* out,
               const char* kind) {
  need(out, "info");
  if (out->struct_size < offsetof(nuri_value_info, dim_names) + sizeof(out->dim_names))
    throw Error("nuri_value_info.struct_size is too small (set it to sizeof(nuri_value_info))");
  if (i >= infos.size())
    throw Error(
        fmt::format("{} index {} is out of range (the model has {})", kind, i, infos.size()));
  const ValueInfo& v = infos[i];
  out->name = v.name.c_str();
  out->dtype = static_cast<nuri_dtype>(v.dtype);
  out->rank = v.has_shape ? static_cast<int32_t>(v.dims.size()) : -1;
  out->dims = v.dims.data();
  out->dim_names = v.dim_name_ptrs.data();
}

nuri::Shape shape_of(const nuri_tensor& t, const char* what, const std::string& name) {
  if (t.rank < 0 || t.rank > 16)
    throw Error(fmt::format("{} '{}': rank {} is out of range (0 to 16)", what, name, t.rank));
  if (t.rank > 0 && !t.dims) throw Error(fmt::format("{} '{}': dims is NULL", what, name));
  nuri::Shape shape(t.dims, t.dims + t.rank);
  for (int64_t d : shape)
    if (d < 0) throw Error(fmt::format("{} '{}': dim {} is negative", what, name, d));
  return shape;
}

// A caller's enum field may hold any bits; they are read as an integer, since loading an enum
// outside its values is undefined behaviour.
int raw_dtype(const nuri_dtype& d) {
  std::underlying_type_t<nuri_dtype> v;
  std::memcpy(&v, &d, sizeof v);
  return static_cast<int>(v);
}

bool valid_dtype(const nuri_dtype& d) {
  return raw_dtype(d) >= 0 && raw_dtype(d) < NURI_DTYPE_COUNT_;
}

// The caller's input checked against the declared input (dtype, rank, static dims, data).
nuri::rt::TensorView input_view(const nuri_tensor& t, const ValueInfo& info) {
  const nuri::Shape shape = shape_of(t, "input", info.name);
  if (!valid_dtype(t.dtype) || static_cast<nuri::DType>(t.dtype) != info.dtype)
    throw Error(fmt::format("input '{}' must be {}, got dtype {}", info.name,
                            nuri::dtype_name(info.dtype), raw_dtype(t.dtype)));
  bool ok = shape.size() == info.dims.size();
  for (size_t d = 0; ok && d < shape.size(); ++d) ok = info.dims[d] < 0 || info.dims[d] == shape[d];
  if (!ok)
    throw Error(fmt::format("input '{}' must have shape {} (-1: any), got {}", info.name,
                            nuri::shape_str(info.dims), nuri::shape_str(shape)));
  const auto dtype = static_cast<nuri::DType>(t.dtype);
  if (!t.data && nuri::num_elements(shape) > 0)
    throw Error(fmt::format("input '{}' has no data", info.name));
  return {dtype, shape, t.data};
}

// Caller memory for an output must be described as the output is (dtype and shape).
void check_caller_output(nuri::DType dtype, const nuri::Shape& want, const nuri_tensor& dst,
                         const std::string& name) {
  if (!dst.data) return;  // session-owned
  const nuri::Shape shape = shape_of(dst, "output", name);
  if (!valid_dtype(dst.dtype) || static_cast<nuri::DType>(dst.dtype) != dtype || shape != want)
    throw Error(fmt::format("output '{}' is {}{}; the caller's memory is described as dtype {} {}",
                            name, nuri::dtype_name(dtype), nuri::shape_str(want),
                            raw_dtype(dst.dtype), nuri::shape_str(shape)));
}

nuri_status write_text(const std::string& text, char* buffer, size_t cap, size_t* size,
                       nuri_error* err) {
  return guard(err, [&] {
    need(size, "size");
    *size = text.size() + 1;
    if (buffer && cap) {
      const size_t n = std::min(text.size(), cap - 1);
      std::memcpy(buffer, text.data(), n);
      buffer[n] = '\0';
    }
  });
}

nuri_model* new_onnx_model(nuri::onnx::OnnxModel loaded, const nuri_load_options* options) {
  auto m = std::make_unique<nuri_model>();
  std::map<std::string, int64_t> fixed;
  if (options) {
    if (options->struct_size < offsetof(nuri_load_options, no_fuse) + sizeof(int32_t))
      throw Error(
          "nuri_load_options.struct_size is too small (set it to sizeof(nuri_load_options))");
    if (options->num_dims && !options->dims) throw Error("nuri_load_options.dims is NULL");
    std::vector<std::string> pairs;
    for (size_t i = 0; i < options->num_dims; ++i) {
      if (!options->dims[i]) throw Error(fmt::format("nuri_load_options.dims[{}] is NULL", i));
      pairs.emplace_back(options->dims[i]);
    }
    fixed = nuri::rt::parse_dim_args(pairs);
    m->import.fuse = options->no_fuse == 0;
  }
  for (const auto& [name, size] : fixed) {
    bool known = false;
    for (const auto& in : loaded.inputs())
      for (const auto& d : in.dims) known = known || d.param == name;
    if (!known)
      throw Error(fmt::format("{}: dim '{}={}' names no symbolic dim of the model's inputs",
                              loaded.label(), name, size));
  }
  for (const auto& in : loaded.inputs()) m->inputs.push_back(info_of(in, fixed));
  for (const auto& out : loaded.output_info()) m->outputs.push_back(info_of(out, fixed));
  finish_all(*m);
  m->onnx = std::make_shared<const nuri::onnx::OnnxModel>(std::move(loaded));
  return m.release();
}

nuri::rt::SessionOptions session_options(const nuri_session_options* o) {
  nuri::rt::SessionOptions s;
  if (!o) return s;
  if (o->struct_size < offsetof(nuri_session_options, num_device_options) + sizeof(size_t))
    throw Error(
        "nuri_session_options.struct_size is too small (set it to sizeof(nuri_session_options))");
  s.devices = nuri::rt::split_list(o->devices && o->devices[0] ? o->devices : "cpu");
  if (s.devices.empty()) throw Error(fmt::format("devices '{}' names no device", o->devices));
  s.strict = o->strict != 0;
  nuri::rt::set_cpu_threads(s, o->threads);
  if (o->num_device_options && !o->device_options)
    throw Error("nuri_session_options.device_options is NULL");
  for (size_t i = 0; i < o->num_device_options; ++i) {
    if (!o->device_options[i])
      throw Error(fmt::format("nuri_session_options.device_options[{}] is NULL", i));
    nuri::rt::add_device_option(s, o->device_options[i]);
  }
  return s;
}

nuri_status describe(const nuri_session* s, size_t i, const char** name, nuri_tensor* desc,
                     nuri_error* err, bool input) {
  return guard(err, [&] {
    const auto& infos = input ? need(s, "session").inputs : need(s, "session").outputs;
    if (i >= infos.size())
      throw Error(fmt::format("{} index {} is out of range (the model has {})",
                              input ? "input" : "output", i, infos.size()));
    const ValueInfo& v = infos[i];
    if (name) *name = v.name.c_str();
    if (desc)
      *desc = {static_cast<nuri_dtype>(v.dtype),
               v.has_shape ? static_cast<int32_t>(v.dims.size()) : -1, v.dims.data(), nullptr};
  });
}

}  // namespace

extern "C" {

size_t nuri_device_count(void) {
  size_t n = 0;
  guard(nullptr, [&] { n = nuri::rt::DeviceRegistry::global().names().size(); });
  return n;
}

const char* nuri_device_name(size_t index) {
  // Names live as long as the process; a registry only grows.
  static std::mutex mu;
  static std::vector<std::unique_ptr<std::string>> names;
  const char* out = nullptr;
  guard(nullptr, [&] {
    const auto now = nuri::rt::DeviceRegistry::global().names();
    if (index >= now.size()) return;
    std::lock_guard lock(mu);
    for (const auto& n : names)
      if (*n == now[index]) out = n->c_str();
    if (!out) out = names.emplace_back(std::make_unique<std::string>(now[index]))->c_str();
  });
  return out;
}

nuri_status nuri_plugin_load(const char* path, nuri_error* err) {
  return guard(err, [&] {
    if (!path) throw Error("plugin path is NULL");
    nuri::rt::DeviceRegistry::global().load_plugin(path);
  });
}

nuri_status nuri_model_load_onnx(const char* path, nuri_model** out, nuri_error* err) {
  return guard(err, [&] {
    need(out, "out");
    *out = nullptr;
    if (!path) throw Error("path is NULL");
    *out = new_onnx_model(nuri::rt::load_model(path), nullptr);
  });
}

nuri_status nuri_model_load_onnx_bytes(const void* data, size_t size,
                                       const nuri_load_options* options, nuri_model** out,
                                       nuri_error* err) {
  return guard(err, [&] {
    need(out, "out");
    *out = nullptr;
    if (!data && size) throw Error("data is NULL");
    const std::string base = options && options->base_dir ? options->base_dir : "";
    *out = new_onnx_model(
        nuri::onnx::OnnxModel::from_bytes(std::string(static_cast<const char*>(data), size), base),
        options);
  });
}

nuri_status nuri_model_create_gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab,
                                   int64_t seq, uint64_t seed, nuri_model** out, nuri_error* err) {
  return guard(err, [&] {
    need(out, "out");
    *out = nullptr;
    nuri::ir::Gpt2Config c;
    c.layers = layers;
    c.d_model = d_model;
    c.heads = heads;
    c.vocab = vocab;
    c.seq = seq;
    c.seed = seed;
    auto m = std::make_unique<nuri_model>();
    m->graph = nuri::ir::build_gpt2(c);
    for (nuri::ir::ValueId v : m->graph->inputs()) m->inputs.push_back(info_of(m->graph->value(v)));
    for (nuri::ir::ValueId v : m->graph->outputs())
      m->outputs.push_back(info_of(m->graph->value(v)));
    finish_all(*m);
    *out = m.release();
  });
}

void nuri_model_destroy(nuri_model* model) {
  delete model;
}

nuri_status nuri_model_num_inputs(const nuri_model* m, size_t* count, nuri_error* err) {
  return guard(err, [&] { need(count, "count") = need(m, "model").inputs.size(); });
}
nuri_status nuri_model_num_outputs(const nuri_model* m, size_t* count, nuri_error* err) {
  return guard(err, [&] { need(count, "count") = need(m, "model").outputs.size(); });
}
nuri_status nuri_model_input_info(const nuri_model* m, size_t i, nuri_value_info* info,
                                  nuri_error* err) {
  return guard(err, [&] { fill_info(need(m, "model").inputs, i, info, "input"); });
}
nuri_status nuri_model_output_info(const nuri_model* m, size_t i, nuri_value_info* info,
                                   nuri_error* err) {
  return guard(err, [&] { fill_info(need(m, "model").outputs, i, info, "output"); });
}

nuri_status nuri_session_create_with_options(const nuri_model* model,
                                             const nuri_session_options* options,
                                             nuri_session** out, nuri_error* err) {
  return guard(err, [&] {
    need(out, "out");
    *out = nullptr;
    const nuri_model& m = need(model, "model");
    auto s = std::make_unique<nuri_session>();
    s->inputs = m.inputs;
    s->outputs = m.outputs;
    finish_all(*s);
    nuri::rt::SessionOptions o = session_options(options);
    if (m.graph) {
      s->fixed = std::make_unique<nuri::rt::Session>(*m.graph, o);
      s->last = s->fixed.get();
    } else {
      s->dynamic = std::make_unique<nuri::rt::ModelSession>(m.onnx, o, m.import);
      // Fully static inputs: compile now, so errors surface here and placement is known.
      std::vector<nuri::rt::TensorView> views;
      bool all_static = true;
      for (const ValueInfo& v : s->inputs) {
        for (int64_t d : v.dims) all_static = all_static && d >= 0;
        views.push_back({v.dtype, v.dims, nullptr});
      }
      if (all_static) s->last = &s->dynamic->session_for(views);
    }
    *out = s.release();
  });
}

nuri_status nuri_session_create(const nuri_model* model, const char* devices, int32_t strict,
                                nuri_session** out, nuri_error* err) {
  nuri_session_options o{};
  o.struct_size = sizeof(o);
  o.devices = devices;
  o.strict = strict;
  return nuri_session_create_with_options(model, &o, out, err);
}

void nuri_session_destroy(nuri_session* session) {
  delete session;
}

size_t nuri_session_num_inputs(const nuri_session* s) {
  return s ? s->inputs.size() : 0;
}
size_t nuri_session_num_outputs(const nuri_session* s) {
  return s ? s->outputs.size() : 0;
}

nuri_status nuri_session_input(const nuri_session* s, size_t i, const char** name,
                               nuri_tensor* desc, nuri_error* err) {
  return describe(s, i, name, desc, err, true);
}

nuri_status nuri_session_output(const nuri_session* s, size_t i, const char** name,
                                nuri_tensor* desc, nuri_error* err) {
  return describe(s, i, name, desc, err, false);
}

nuri_status nuri_session_run(nuri_session* s, const nuri_tensor* inputs, size_t num_inputs,
                             nuri_tensor* outputs, size_t num_outputs, nuri_error* err) {
  return guard(err, [&] {
    nuri_session& session = need(s, "session");
    if (num_inputs != session.inputs.size() || num_outputs != session.outputs.size())
      throw Error(
          fmt::format("nuri_session_run: the model has {} inputs and {} outputs, got {} "
                      "and {}",
                      session.inputs.size(), session.outputs.size(), num_inputs, num_outputs));
    if (num_inputs && !inputs) throw Error("inputs is NULL");
    if (num_outputs && !outputs) throw Error("outputs is NULL");
    std::vector<nuri::rt::TensorView> views;
    for (size_t i = 0; i < num_inputs; ++i)
      views.push_back(input_view(inputs[i], session.inputs[i]));
    // A static graph's output shapes are known now: caller memory is checked before running.
    // (An ONNX model's declared output shapes are only the exporter's word: checked after.)
    for (size_t i = 0; session.fixed && i < num_outputs; ++i) {
      const ValueInfo& v = session.outputs[i];
      const bool known = v.has_shape && std::all_of(v.dims.begin(), v.dims.end(),
                                                    [](int64_t d) { return d >= 0; });
      if (known) check_caller_output(v.dtype, v.dims, outputs[i], v.name);
    }
    std::lock_guard lock(session.mu);
    const auto t0 = std::chrono::steady_clock::now();
    nuri::rt::Session& run = session.fixed ? *session.fixed : session.dynamic->session_for(views);
    std::vector<nuri::Tensor> out = run.run(views);
    session.wall_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    session.last = &run;
    session.has_run = true;
    for (size_t i = 0; i < num_outputs; ++i)
      check_caller_output(out[i].dtype(), out[i].shape(), outputs[i], session.outputs[i].name);
    for (size_t i = 0; i < num_outputs; ++i)
      if (outputs[i].data) std::memcpy(outputs[i].data, out[i].data(), out[i].nbytes());
    std::vector<nuri::Tensor>& owned = session.owned_outputs[std::this_thread::get_id()];
    owned = std::move(out);
    for (size_t i = 0; i < num_outputs; ++i) {
      if (outputs[i].data) continue;
      nuri::Tensor& t = owned[i];
      outputs[i] = {static_cast<nuri_dtype>(t.dtype()), static_cast<int32_t>(t.rank()),
                    t.shape().data(), t.data()};
    }
  });
}

nuri_status nuri_session_bind_input(nuri_session* s, size_t index, const nuri_tensor* t,
                                    nuri_error* err) {
  return guard(err, [&] {
    nuri_session& session = need(s, "session");
    if (index >= session.inputs.size())
      throw Error(
          fmt::format("nuri_session_bind_input: input {} of {}", index, session.inputs.size()));
    std::lock_guard lock(session.mu);
    session.bound_in.resize(session.inputs.size());
    session.bound_in[index] =
        need(t, "tensor").data ? input_view(*t, session.inputs[index]) : nuri::rt::TensorView{};
    session.bound_to = nullptr;
  });
}

nuri_status nuri_session_bind_output(nuri_session* s, size_t index, const nuri_tensor* t,
                                     nuri_error* err) {
  return guard(err, [&] {
    nuri_session& session = need(s, "session");
    if (index >= session.outputs.size())
      throw Error(
          fmt::format("nuri_session_bind_output: output {} of {}", index, session.outputs.size()));
    const ValueInfo& v = session.outputs[index];
    const nuri_tensor& dst = need(t, "tensor");
    // Known shapes are checked now; the compiled session checks the rest at the run.
    const bool known =
        v.has_shape && std::all_of(v.dims.begin(), v.dims.end(), [](int64_t d) { return d >= 0; });
    if (known) check_caller_output(v.dtype, v.dims, dst, v.name);
    std::lock_guard lock(session.mu);
    session.bound_out.resize(session.outputs.size());
    nuri::rt::TensorView& b = session.bound_out[index];
    if (!dst.data) {
      b = {};
    } else {
      if (!valid_dtype(dst.dtype))
        throw Error(fmt::format("output '{}': dtype {}", v.name, raw_dtype(dst.dtype)));
      b = {static_cast<nuri::DType>(dst.dtype), shape_of(dst, "output", v.name), dst.data};
    }
    session.bound_to = nullptr;
  });
}

nuri_status nuri_session_run_bound(nuri_session* s, nuri_error* err) {
  return guard(err, [&] {
    nuri_session& session = need(s, "session");
    std::lock_guard lock(session.mu);
    session.bound_in.resize(session.inputs.size());
    session.bound_out.resize(session.outputs.size());
    const std::vector<nuri::rt::TensorView>& views = session.bound_in;
    for (size_t i = 0; i < session.inputs.size(); ++i)
      if (!views[i].data)
        throw Error(
            fmt::format("nuri_session_run_bound: input '{}' is not bound", session.inputs[i].name));
    for (size_t o = 0; o < session.outputs.size(); ++o)
      if (!session.bound_out[o].data)
        throw Error(fmt::format("nuri_session_run_bound: output '{}' is not bound",
                                session.outputs[o].name));
    const auto t0 = std::chrono::steady_clock::now();
    nuri::rt::Session& run = session.fixed ? *session.fixed : session.dynamic->session_for(views);
    if (session.bound_to != &run) {
      for (size_t i = 0; i < views.size(); ++i) run.bind_input(i, views[i]);
      for (size_t o = 0; o < session.bound_out.size(); ++o)
        run.bind_output(o, session.bound_out[o]);
      session.bound_to = &run;
    }
    run.run_bound();
    session.wall_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    session.last = &run;
    session.has_run = true;
  });
}

size_t nuri_session_placement(const nuri_session* s, char* buffer, size_t cap) {
  size_t needed = 0;
  guard(nullptr, [&] {
    if (!s) return;
    std::lock_guard lock(const_cast<nuri_session*>(s)->mu);
    if (!s->last) return;
    const std::string report = s->last->placement_report();
    if (buffer && cap) {
      const size_t n = std::min(report.size(), cap - 1);
      std::memcpy(buffer, report.data(), n);
      buffer[n] = '\0';
    }
    needed = report.size() + 1;
  });
  return needed;
}

nuri_status nuri_session_placement_json(nuri_session* s, char* buffer, size_t cap, size_t* size,
                                        nuri_error* err) {
  std::string text;
  const nuri_status st = guard(err, [&] {
    std::lock_guard lock(need(s, "session").mu);
    if (!s->last)
      throw Error(
          "the session has not compiled yet: its model has dynamic dims, so it compiles "
          "on the first run");
    text = nuri::rt::placement_json(*s->last);
  });
  return st != NURI_OK ? st : write_text(text, buffer, cap, size, err);
}

nuri_status nuri_session_report_json(nuri_session* s, char* buffer, size_t cap, size_t* size,
                                     nuri_error* err) {
  std::string text;
  const nuri_status st = guard(err, [&] {
    std::lock_guard lock(need(s, "session").mu);
    if (!s->has_run) throw Error("the session has not run yet: a report describes the last run");
    text = nuri::rt::run_report_json(*s->last, s->wall_ns);
  });
  return st != NURI_OK ? st : write_text(text, buffer, cap, size, err);
}

}  // extern "C"
