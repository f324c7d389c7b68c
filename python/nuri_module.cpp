// The `nuri` Python module: ONNX Runtime's surface (InferenceSession, get_inputs/get_outputs,
// run) over Nuri's C++ API, so users' habits carry over. Nuri's errors raise nuri.NuriError
// (a RuntimeError) with Nuri's message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "nuri/nuri.hpp"

namespace py = pybind11;

namespace {

// dtype <-> numpy; bf16 has no numpy dtype.
py::dtype numpy_dtype(nuri::DType t) {
  switch (t) {
    case nuri::DType::F32:
      return py::dtype::of<float>();
    case nuri::DType::F16:
      return py::dtype("float16");
    case nuri::DType::I8:
      return py::dtype::of<int8_t>();
    case nuri::DType::U8:
      return py::dtype::of<uint8_t>();
    case nuri::DType::I32:
      return py::dtype::of<int32_t>();
    case nuri::DType::I64:
      return py::dtype::of<int64_t>();
    case nuri::DType::Bool:
      return py::dtype::of<bool>();
    case nuri::DType::BF16:
      break;
  }
  throw nuri::Error(std::string("dtype ") + nuri::dtype_name(t) + " has no NumPy equivalent");
}

// ONNX Runtime's type strings.
std::string ort_type(nuri::DType t) {
  switch (t) {
    case nuri::DType::F32:
      return "tensor(float)";
    case nuri::DType::F16:
      return "tensor(float16)";
    case nuri::DType::BF16:
      return "tensor(bfloat16)";
    case nuri::DType::I8:
      return "tensor(int8)";
    case nuri::DType::U8:
      return "tensor(uint8)";
    case nuri::DType::I32:
      return "tensor(int32)";
    case nuri::DType::I64:
      return "tensor(int64)";
    case nuri::DType::Bool:
      return "tensor(bool)";
  }
  return "tensor(unknown)";
}

// An input or output as ONNX Runtime's NodeArg shows it: dynamic dims are their symbolic name,
// or None when unnamed.
struct NodeArg {
  std::string name;
  py::object shape;
  std::string type;
};

NodeArg node_arg(const nuri::ValueInfo& v) {
  py::object shape = py::none();
  if (v.has_shape) {
    py::list dims;
    for (size_t d = 0; d < v.shape.size(); ++d) {
      if (v.shape[d] >= 0)
        dims.append(v.shape[d]);
      else if (!v.dim_names[d].empty())
        dims.append(v.dim_names[d]);
      else
        dims.append(py::none());
    }
    shape = dims;
  }
  return {v.name, shape, ort_type(v.dtype)};
}

class InferenceSession {
 public:
  InferenceSession(const std::string& path, const std::vector<std::string>& devices,
                   const std::map<std::string, std::map<std::string, py::object>>& options,
                   bool strict, int threads)
      : model_(nuri::Model::load_onnx(path)),
        inputs_(model_.inputs()),
        outputs_(model_.outputs()),
        session_(model_, session_options(devices, options, strict, threads)) {}

  std::vector<NodeArg> get_inputs() const { return args(inputs_); }
  std::vector<NodeArg> get_outputs() const { return args(outputs_); }

  py::list run(const std::optional<std::vector<std::string>>& output_names, const py::dict& feed) {
    std::vector<size_t> picked;
    if (output_names) {
      for (const std::string& n : *output_names) picked.push_back(output_index(n));
    } else {
      for (size_t i = 0; i < outputs_.size(); ++i) picked.push_back(i);
    }
    for (const auto& [key, value] : feed) {
      const std::string name = py::str(key);
      bool known = false;
      for (const nuri::ValueInfo& v : inputs_) known = known || v.name == name;
      if (!known) throw nuri::Error("the model has no input '" + name + "'");
    }
    // Contiguous arrays of the right dtype are passed as they lie; others get one copy.
    std::vector<py::array> arrays;
    std::vector<nuri::Shape> shapes;
    std::vector<nuri::TensorView> views;
    py::object ascontiguous = py::module_::import("numpy").attr("ascontiguousarray");
    for (const nuri::ValueInfo& v : inputs_) {
      if (!feed.contains(v.name)) throw nuri::Error("input '" + v.name + "' is not given");
      py::array a = py::array::ensure(feed[py::str(v.name)]);
      if (!a) throw nuri::Error("input '" + v.name + "' is not convertible to a NumPy array");
      const py::dtype want = numpy_dtype(v.dtype);
      if (!a.dtype().is(want) && !a.dtype().equal(want))
        throw nuri::Error("input '" + v.name + "' must be " + ort_type(v.dtype) + ", got " +
                          std::string(py::str(a.dtype())));
      if (!(a.flags() & py::array::c_style)) a = ascontiguous(a);
      arrays.push_back(a);
      shapes.emplace_back(a.shape(), a.shape() + a.ndim());
    }
    for (size_t i = 0; i < inputs_.size(); ++i)
      views.push_back({inputs_[i].dtype, shapes[i], arrays[i].data()});
    std::vector<nuri::Tensor> outs;
    {
      py::gil_scoped_release release;
      outs = session_.run(std::span<const nuri::TensorView>(views));
    }
    py::list result;
    for (size_t i : picked) result.append(to_numpy(std::move(outs[i])));
    return result;
  }

  std::string placement() const { return session_.placement(); }
  py::object report() const {
    return py::module_::import("json").attr("loads")(session_.report_json());
  }
  py::object placement_info() const {
    return py::module_::import("json").attr("loads")(session_.placement_json());
  }

 private:
  static nuri::SessionOptions session_options(
      const std::vector<std::string>& devices,
      const std::map<std::string, std::map<std::string, py::object>>& options, bool strict,
      int threads) {
    nuri::SessionOptions o;
    o.devices = devices;
    o.strict = strict;
    o.threads = threads;
    for (const auto& [dev, kvs] : options)
      for (const auto& [k, v] : kvs) {
        // True/False become 1/0, as the devices' options expect.
        const std::string text =
            py::isinstance<py::bool_>(v) ? (v.cast<bool>() ? "1" : "0") : std::string(py::str(v));
        o.device_options[dev][k] = text;
      }
    return o;
  }
  static std::vector<NodeArg> args(const std::vector<nuri::ValueInfo>& vs) {
    std::vector<NodeArg> out;
    for (const nuri::ValueInfo& v : vs) out.push_back(node_arg(v));
    return out;
  }
  size_t output_index(const std::string& name) const {
    for (size_t i = 0; i < outputs_.size(); ++i)
      if (outputs_[i].name == name) return i;
    throw nuri::Error("the model has no output '" + name + "'");
  }
  static py::array to_numpy(nuri::Tensor t) {
    const py::dtype dt = numpy_dtype(t.dtype());
    auto* owned = new nuri::Tensor(std::move(t));
    py::capsule free_it(owned, [](void* p) { delete static_cast<nuri::Tensor*>(p); });
    return py::array(dt, owned->shape(), owned->data(), free_it);
  }

  nuri::Model model_;
  std::vector<nuri::ValueInfo> inputs_, outputs_;
  nuri::Session session_;
};

}  // namespace

PYBIND11_MODULE(nuri, m) {
  m.doc() = "Nuri: run ONNX models on cpu, NPU and PIM devices (and their simulators)";
  static py::exception<nuri::Error> error(m, "NuriError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nuri::Error& e) {
      error(e.what());
    }
  });
  m.def("devices", &nuri::device_names, "registered devices (built-ins and plugins)");
  py::class_<NodeArg>(m, "NodeArg")
      .def_readonly("name", &NodeArg::name)
      .def_readonly("shape", &NodeArg::shape)
      .def_readonly("type", &NodeArg::type)
      .def("__repr__", [](const NodeArg& a) {
        return "NodeArg(name='" + a.name + "', type='" + a.type +
               "', shape=" + std::string(py::repr(a.shape)) + ")";
      });
  py::class_<InferenceSession>(m, "InferenceSession")
      .def(py::init<const std::string&, const std::vector<std::string>&,
                    const std::map<std::string, std::map<std::string, py::object>>&, bool, int>(),
           py::arg("path"), py::arg("devices") = std::vector<std::string>{"cpu"},
           py::arg("options") = std::map<std::string, std::map<std::string, py::object>>{},
           py::arg("strict") = false, py::arg("threads") = 0,
           "load an .onnx file and place it on devices (priority order)")
      .def("get_inputs", &InferenceSession::get_inputs)
      .def("get_outputs", &InferenceSession::get_outputs)
      .def("run", &InferenceSession::run, py::arg("output_names"), py::arg("input_feed"),
           "run once; returns the named outputs (all when None) as NumPy arrays")
      .def("placement", &InferenceSession::placement, "which node ran where, and why (text)")
      .def("placement_info", &InferenceSession::placement_info, "the placement as a dict")
      .def("report", &InferenceSession::report,
           "the last run: per partition and total time, cycles, bytes and energy (a dict)");
}
