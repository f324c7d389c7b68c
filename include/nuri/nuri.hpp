// A thin C++ layer over the C API (nuri/nuri.h): RAII handles and exceptions. Header-only, so
// it links against libnuri's C symbols alone.
#pragma once

#include <memory>
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

class Model {
 public:
  static Model gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab, int64_t seq,
                    uint64_t seed = 1) {
    nuri_error err = api_detail::fresh();
    nuri_model* m = nullptr;
    api_detail::check(nuri_model_create_gpt2(layers, d_model, heads, vocab, seq, seed, &m, &err),
                      err);
    return Model(m);
  }
  const nuri_model* get() const { return model_.get(); }

 private:
  explicit Model(nuri_model* m) : model_(m, nuri_model_destroy) {}
  std::shared_ptr<nuri_model> model_;
};

class Session {
 public:
  Session(const Model& model, const std::string& devices = "cpu", bool strict = false) {
    nuri_error err = api_detail::fresh();
    nuri_session* s = nullptr;
    api_detail::check(nuri_session_create(model.get(), devices.c_str(), strict, &s, &err), err);
    session_.reset(s, nuri_session_destroy);
  }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) {
    std::vector<nuri_tensor> in, out;
    for (const Tensor& t : inputs)
      in.push_back({static_cast<nuri_dtype>(t.dtype()), static_cast<int32_t>(t.rank()),
                    t.shape().data(), const_cast<void*>(t.data())});
    std::vector<Tensor> outputs;
    for (size_t i = 0; i < nuri_session_num_outputs(session_.get()); ++i) {
      nuri_tensor d{};
      nuri_error err = api_detail::fresh();
      api_detail::check(nuri_session_output(session_.get(), i, nullptr, &d, &err), err);
      outputs.emplace_back(static_cast<DType>(d.dtype), Shape(d.dims, d.dims + d.rank));
    }
    for (Tensor& t : outputs)
      out.push_back({static_cast<nuri_dtype>(t.dtype()), static_cast<int32_t>(t.rank()),
                     t.shape().data(), t.data()});
    nuri_error err = api_detail::fresh();
    api_detail::check(
        nuri_session_run(session_.get(), in.data(), in.size(), out.data(), out.size(), &err), err);
    return outputs;
  }

  std::string placement() const {
    std::string s(nuri_session_placement(session_.get(), nullptr, 0), '\0');
    nuri_session_placement(session_.get(), s.data(), s.size());
    s.pop_back();
    return s;
  }

 private:
  std::shared_ptr<nuri_session> session_;
};

}  // namespace nuri
