#include "compiler/frontend/onnx/onnx_model.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <filesystem>
#include <optional>

#include "compiler/frontend/onnx/importer.h"
#include "compiler/frontend/onnx/onnx_tensor.h"
#include "compiler/frontend/onnx/onnx_wire.h"
#include "compiler/ir/mapped_file.h"
#include "compiler/passes/pipeline.h"
#include "nuri/error.hpp"

namespace nuri::onnx {

struct OnnxModel::Proto {
  ::onnx::ModelProto model;
  // Bytes of the top-level initializers, left in the mapped file (or the caller's bytes) rather
  // than copied into `model`; empty entries read the proto as usual.
  std::vector<TensorBytes> initializer_bytes;
  std::shared_ptr<ExternalData> external;
};

bool OnnxInput::is_static() const {
  for (const OnnxDim& d : dims)
    if (d.size < 0) return false;
  return true;
}

Shape OnnxInput::shape_with(int64_t fill) const {
  Shape s;
  for (const OnnxDim& d : dims) s.push_back(d.size >= 0 ? d.size : fill);
  return s;
}

OnnxModel::OnnxModel() : proto_(std::make_unique<Proto>()) {}
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;
OnnxModel::~OnnxModel() = default;

OnnxModel OnnxModel::load(const std::string& path) {
  std::shared_ptr<const ir::MappedFile> file = ir::MappedFile::open(path);
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return from_memory(file->data(), file->size(), file, parent.empty() ? std::string(".") : parent,
                     path);
}

OnnxModel OnnxModel::from_bytes(std::string bytes, const std::string& base_dir,
                                const std::string& label) {
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  return from_memory(reinterpret_cast<const std::byte*>(owned->data()), owned->size(), owned,
                     base_dir, label);
}

namespace {

// Checks parsed bytes look like a model, not just any protobuf (random bytes often parse).
void check_model(const ::onnx::ModelProto& m, const std::string& label) {
  if (!m.has_graph() || m.ir_version() <= 0 || m.opset_import_size() == 0)
    throw Error(fmt::format("{}: not an ONNX model (no graph, IR version or opset import)", label));
}

int64_t default_opset(const ::onnx::ModelProto& m, const std::string& label) {
  int64_t opset = -1;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 0)
    throw Error(fmt::format("{}: the model imports no opset of the default ONNX domain", label));
  if (opset < 13 || opset > 18)
    throw Error(fmt::format("{}: opset {} of the default domain is not supported (13 to 18 are)",
                            label, opset));
  return opset;
}

OnnxInput input_info(const ::onnx::ValueInfoProto& v, const std::string& label) {
  OnnxInput in;
  in.name = v.name();
  if (!v.type().has_tensor_type())
    throw Error(fmt::format("{}: input '{}' is not a tensor", label, v.name()));
  const auto& tt = v.type().tensor_type();
  const auto dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype || tt.elem_type() == ::onnx::TensorProto::DOUBLE)
    throw Error(fmt::format("{}: input '{}' has element type {}, which is not supported", label,
                            v.name(), onnx_type_name(tt.elem_type())));
  in.dtype = *dtype;
  if (!tt.has_shape())
    throw Error(
        fmt::format("{}: input '{}' has no shape (its rank must be known)", label, v.name()));
  for (const auto& d : tt.shape().dim()) {
    OnnxDim dim;
    if (d.has_dim_value()) {
      if (d.dim_value() < 0)
        throw Error(fmt::format("{}: input '{}' has a negative dim", label, v.name()));
      dim.size = d.dim_value();
    } else if (d.has_dim_param()) {
      dim.param = d.dim_param();
    }
    in.dims.push_back(dim);
  }
  return in;
}

// What the model declares about an output; exporters may leave its type or shape out.
OnnxInput declared_output(const ::onnx::ValueInfoProto& v) {
  OnnxInput out;
  out.name = v.name();
  out.has_shape = false;
  if (!v.type().has_tensor_type()) return out;
  const auto& tt = v.type().tensor_type();
  if (const auto dtype = dtype_from_onnx(tt.elem_type())) out.dtype = *dtype;
  if (!tt.has_shape()) return out;
  out.has_shape = true;
  for (const auto& d : tt.shape().dim()) {
    OnnxDim dim;
    if (d.has_dim_value() && d.dim_value() >= 0)
      dim.size = d.dim_value();
    else if (d.has_dim_param())
      dim.param = d.dim_param();
    out.dims.push_back(dim);
  }
  return out;
}

}  // namespace

OnnxModel OnnxModel::from_memory(const std::byte* data, size_t size,
                                 std::shared_ptr<const void> owner, const std::string& base_dir,
                                 const std::string& label) {
  OnnxModel m;
  m.label_ = label;
  m.base_dir_ = base_dir;
  m.proto_->external = std::make_shared<ExternalData>(base_dir);
  if (size > static_cast<size_t>(INT_MAX))
    throw Error(
        fmt::format("{}: the file is over 2 GiB; store the weights as external data", label));
  // Parse the structure only; the initializers' bytes stay where they are.
  std::optional<StrippedModel> stripped = strip_initializer_data(data, size);
  const auto* parse_from = reinterpret_cast<const uint8_t*>(data);
  size_t parse_size = size;
  if (stripped) {
    parse_from = reinterpret_cast<const uint8_t*>(stripped->bytes.data());
    parse_size = stripped->bytes.size();
  }
  google::protobuf::io::CodedInputStream stream(parse_from, static_cast<int>(parse_size));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!m.proto_->model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    throw Error(
        fmt::format("{}: not a valid ONNX model (the protobuf does not parse: truncated "
                    "or corrupt file?)",
                    label));
  if (stripped) {
    for (const RawDataSpan& span : stripped->raw_data)
      m.proto_->initializer_bytes.push_back(
          span.present ? TensorBytes{data + span.offset, span.size, owner} : TensorBytes{});
  }
  const ::onnx::ModelProto& p = m.proto_->model;
  check_model(p, label);
  m.opset_ = default_opset(p, label);
  m.graph_name_ = p.graph().name();
  m.producer_ =
      p.producer_name() + (p.producer_version().empty() ? "" : " " + p.producer_version());
  std::set<std::string> initializers;
  for (const auto& init : p.graph().initializer()) initializers.insert(init.name());
  for (const auto& v : p.graph().input())
    if (!initializers.count(v.name())) m.inputs_.push_back(input_info(v, label));
  for (const auto& v : p.graph().output()) {
    m.outputs_.push_back(v.name());
    m.output_info_.push_back(declared_output(v));
  }
  if (m.outputs_.empty()) throw Error(fmt::format("{}: the graph has no outputs", label));
  return m;
}

std::map<std::string, int64_t> OnnxModel::op_histogram() const {
  std::map<std::string, int64_t> h;
  for (const auto& n : proto_->model.graph().node())
    ++h[n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type()
                                                      : n.domain() + "::" + n.op_type()];
  return h;
}

InputShapes OnnxModel::default_shapes(int64_t fill) const {
  InputShapes s;
  for (const OnnxInput& in : inputs_) s[in.name] = in.shape_with(fill);
  return s;
}

ir::Graph OnnxModel::specialize(const InputShapes& shapes, const ImportOptions& options) const {
  Importer importer(opset_, proto_->external, label_, &proto_->initializer_bytes);
  ir::Graph g = importer.import(proto_->model.graph(), inputs_, shapes);
  try {
    if (options.fuse)
      ir::fusion_pipeline().run(g);
    else
      ir::cleanup_pipeline().run(g);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", label_, e.what()), e.status());
  }
  return g;
}

}  // namespace nuri::onnx
