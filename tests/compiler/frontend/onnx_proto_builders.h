// Builders for tiny ONNX models written by the frontend tests (protobuf messages: only targets
// that link ONNX's generated code may include this).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <utility>
#include <vector>

namespace nuri::testing {

// A one-node model y = op(x, w): x an f32 input of `x_dims`, w an f32 initializer of `w_dims`
// whose data the caller gives (raw bytes, or external_data below).
inline ::onnx::ModelProto one_node_model(const std::string& op, const std::vector<int64_t>& x_dims,
                                         const std::vector<int64_t>& w_dims) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name(op);
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : x_dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  auto* node = g->add_node();
  node->set_op_type(op);
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  g->add_output()->set_name("y");
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : w_dims) w->add_dims(d);
  return m;
}

// Points an initializer at `length` bytes at `offset` of the external data file `location`.
inline void set_external_data(::onnx::TensorProto& w, const std::string& location, int64_t offset,
                              int64_t length) {
  w.set_data_location(::onnx::TensorProto::EXTERNAL);
  const std::pair<const char*, std::string> entries[] = {{"location", location},
                                                         {"offset", std::to_string(offset)},
                                                         {"length", std::to_string(length)}};
  for (const auto& [key, value] : entries) {
    auto* e = w.add_external_data();
    e->set_key(key);
    e->set_value(value);
  }
}

}  // namespace nuri::testing
