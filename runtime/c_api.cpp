// The C API (nuri/nuri.h) over sessions and the registry. Nothing throws across it.
#include <cstring>
#include <memory>

#include "compiler/models/gpt2.h"
#include "nuri/device_sdk.hpp"
#include "nuri/nuri.h"
#include "runtime/session.h"

struct nuri_model {
  nuri::ir::Graph graph;
};
struct nuri_session {
  std::unique_ptr<nuri::rt::Session> session;
};

namespace {

using nuri::sdk::guard;

nuri_tensor describe(const nuri::ir::Value& v) {
  return {static_cast<nuri_dtype>(v.type.dtype), static_cast<int32_t>(v.type.shape.size()),
          v.type.shape.data(), nullptr};
}

void check_tensor(const nuri_tensor& t, const nuri::ir::Value& v, const char* what) {
  const nuri::Shape shape(t.dims, t.dims + std::max(t.rank, 0));
  if (static_cast<nuri::DType>(t.dtype) != v.type.dtype || shape != v.type.shape)
    throw nuri::Error(std::string(what) + " '" + v.name + "' must be " +
                      nuri::ir::type_str(v.type) + ", got " +
                      nuri::dtype_name(static_cast<nuri::DType>(t.dtype)) + nuri::shape_str(shape));
  if (!t.data && v.type.nbytes())
    throw nuri::Error(std::string(what) + " '" + v.name + "' has no data");
}

}  // namespace

extern "C" {

size_t nuri_device_count(void) {
  return nuri::rt::DeviceRegistry::global().names().size();
}

const char* nuri_device_name(size_t index) {
  static std::vector<std::string> names;
  names = nuri::rt::DeviceRegistry::global().names();
  return index < names.size() ? names[index].c_str() : nullptr;
}

nuri_status nuri_plugin_load(const char* path, nuri_error* err) {
  return guard(err, [&] { nuri::rt::DeviceRegistry::global().load_plugin(path ? path : ""); });
}

nuri_status nuri_model_create_gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab,
                                   int64_t seq, uint64_t seed, nuri_model** out, nuri_error* err) {
  return guard(err, [&] {
    nuri::ir::Gpt2Config c;
    c.layers = layers;
    c.d_model = d_model;
    c.heads = heads;
    c.vocab = vocab;
    c.seq = seq;
    c.seed = seed;
    *out = new nuri_model{nuri::ir::build_gpt2(c)};
  });
}

void nuri_model_destroy(nuri_model* model) {
  delete model;
}

nuri_status nuri_session_create(const nuri_model* model, const char* devices, int32_t strict,
                                nuri_session** out, nuri_error* err) {
  return guard(err, [&] {
    if (!model) throw nuri::Error("nuri_session_create: model is NULL");
    nuri::rt::SessionOptions o;
    o.devices = nuri::rt::split_list(devices && devices[0] ? devices : "cpu");
    o.strict = strict != 0;
    *out = new nuri_session{std::make_unique<nuri::rt::Session>(model->graph, o)};
  });
}

void nuri_session_destroy(nuri_session* session) {
  delete session;
}

size_t nuri_session_num_inputs(const nuri_session* s) {
  return s->session->graph().inputs().size();
}
size_t nuri_session_num_outputs(const nuri_session* s) {
  return s->session->graph().outputs().size();
}

nuri_status nuri_session_input(const nuri_session* s, size_t i, const char** name,
                               nuri_tensor* desc, nuri_error* err) {
  return guard(err, [&] {
    const auto& g = s->session->graph();
    if (i >= g.inputs().size()) throw nuri::Error("input index out of range");
    const auto& v = g.value(g.inputs()[i]);
    if (name) *name = v.name.c_str();
    if (desc) *desc = describe(v);
  });
}

nuri_status nuri_session_output(const nuri_session* s, size_t i, const char** name,
                                nuri_tensor* desc, nuri_error* err) {
  return guard(err, [&] {
    const auto& g = s->session->graph();
    if (i >= g.outputs().size()) throw nuri::Error("output index out of range");
    const auto& v = g.value(g.outputs()[i]);
    if (name) *name = v.name.c_str();
    if (desc) *desc = describe(v);
  });
}

nuri_status nuri_session_run(nuri_session* s, const nuri_tensor* inputs, size_t num_inputs,
                             nuri_tensor* outputs, size_t num_outputs, nuri_error* err) {
  return guard(err, [&] {
    const auto& g = s->session->graph();
    if (num_inputs != g.inputs().size() || num_outputs != g.outputs().size())
      throw nuri::Error("nuri_session_run: the model has " + std::to_string(g.inputs().size()) +
                        " inputs and " + std::to_string(g.outputs().size()) + " outputs");
    std::vector<nuri::Tensor> in;
    for (size_t i = 0; i < num_inputs; ++i) {
      const auto& v = g.value(g.inputs()[i]);
      check_tensor(inputs[i], v, "input");
      nuri::Tensor t(v.type.dtype, v.type.shape);
      std::memcpy(t.data(), inputs[i].data, t.nbytes());
      in.push_back(std::move(t));
    }
    for (size_t i = 0; i < num_outputs; ++i)
      check_tensor(outputs[i], g.value(g.outputs()[i]), "output");
    const std::vector<nuri::Tensor> out = s->session->run(in);
    for (size_t i = 0; i < num_outputs; ++i)
      std::memcpy(outputs[i].data, out[i].data(), out[i].nbytes());
  });
}

size_t nuri_session_placement(const nuri_session* s, char* buffer, size_t cap) {
  const std::string report = s->session->placement_report();
  if (buffer && cap) {
    const size_t n = std::min(report.size(), cap - 1);
    std::memcpy(buffer, report.data(), n);
    buffer[n] = '\0';
  }
  return report.size() + 1;
}

}  // extern "C"
