// Single ONNX ops and folding rules on hand-built models: If with a known condition, Trilu,
// Not/And/Or, Range/ConstantOfShape folding, Split opset 18 uneven parts.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "compiler/frontend/onnx/onnx_model.h"
#include "devices/ref/ref_program.h"
#include "tests/compiler/frontend/onnx_test_util.h"

namespace nuri {
namespace {

using ::onnx::TensorProto;

struct Builder {
  ::onnx::ModelProto m;
  explicit Builder(int64_t opset) {
    m.set_ir_version(8);
    m.add_opset_import()->set_version(opset);
    m.mutable_graph()->set_name("ops");
  }
  void input(const std::string& name, int elem, std::vector<int64_t> dims) {
    auto* v = m.mutable_graph()->add_input();
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem);
    for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  ::onnx::NodeProto* node(const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + out[0]);
    for (auto& i : in) n->add_input(i);
    for (auto& o : out) n->add_output(o);
    return n;
  }
  void ints(const std::string& name, std::vector<int64_t> v) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  }
  void output(const std::string& name) { m.mutable_graph()->add_output()->set_name(name); }
  std::vector<Tensor> run(std::vector<Tensor> inputs) {
    auto model = onnx::OnnxModel::from_bytes(m.SerializeAsString());
    ref::RefProgram prog(model.specialize({}, {false}));
    return prog.run(inputs);
  }
};

Tensor iota(Shape s) {
  Tensor t(DType::F32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(i + 1);
  return t;
}

TEST(OnnxOps, TriluLowerAndUpper) {
  Builder b(17);
  b.input("x", TensorProto::FLOAT, {3, 3});
  b.ints("k", {0});
  auto* lo = b.node("Trilu", {"x", "k"}, {"lo"});
  auto* a = lo->add_attribute();
  a->set_name("upper");
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(0);
  b.node("Trilu", {"x"}, {"up"});
  b.output("lo");
  b.output("up");
  const auto out = b.run({iota({3, 3})});
  const float lo_want[] = {1, 0, 0, 4, 5, 0, 7, 8, 9}, up_want[] = {1, 2, 3, 0, 5, 6, 0, 0, 9};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(out[0].data_as<float>()[i], lo_want[i]);
    EXPECT_EQ(out[1].data_as<float>()[i], up_want[i]);
  }
}

TEST(OnnxOps, IfWithKnownConditionIsInlined) {
  Builder b(15);
  b.input("x", TensorProto::FLOAT, {1, 4});
  b.node("Shape", {"x"}, {"s"});
  b.ints("one", {1});
  b.ints("zero", {0});
  b.node("Gather", {"s", "zero"}, {"d0"});
  b.node("Equal", {"d0", "one"}, {"c"});  // shape[0] == 1: known at import
  b.node("Squeeze", {"c"}, {"cond"});
  auto* n = b.node("If", {"cond"}, {"y"});
  auto* then_b = n->add_attribute();
  then_b->set_name("then_branch");
  then_b->set_type(::onnx::AttributeProto::GRAPH);
  auto* tn = then_b->mutable_g()->add_node();
  tn->set_op_type("Squeeze");
  tn->add_input("x");
  tn->add_input("zero");
  tn->add_output("sq");
  then_b->mutable_g()->add_output()->set_name("sq");
  auto* else_b = n->add_attribute();
  else_b->set_name("else_branch");
  else_b->set_type(::onnx::AttributeProto::GRAPH);
  auto* en = else_b->mutable_g()->add_node();
  en->set_op_type("Identity");
  en->add_input("x");
  en->add_output("id");
  else_b->mutable_g()->add_output()->set_name("id");
  b.output("y");
  const auto out = b.run({iota({1, 4})});
  EXPECT_EQ(out[0].shape(), (Shape{4}));
}

TEST(OnnxOps, LogicLowersToEqualAndWhere) {
  Builder b(17);
  b.input("a", TensorProto::BOOL, {4});
  b.input("c", TensorProto::BOOL, {4});
  b.node("Not", {"a"}, {"na"});
  b.node("And", {"a", "c"}, {"and"});
  b.node("Or", {"na", "c"}, {"or"});
  b.output("na");
  b.output("and");
  b.output("or");
  Tensor a = Tensor::from<uint8_t>(DType::Bool, {4}, {0, 0, 1, 1});
  Tensor c = Tensor::from<uint8_t>(DType::Bool, {4}, {0, 1, 0, 1});
  const auto out = b.run({a, c});
  const uint8_t na[] = {1, 1, 0, 0}, an[] = {0, 0, 0, 1}, o[] = {1, 1, 0, 1};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(out[0].data_as<uint8_t>()[i], na[i]);
    EXPECT_EQ(out[1].data_as<uint8_t>()[i], an[i]);
    EXPECT_EQ(out[2].data_as<uint8_t>()[i], o[i]);
  }
}

TEST(OnnxOps, RangeAndConstantOfShapeFold) {
  Builder b(17);
  b.input("x", TensorProto::FLOAT, {2, 5});
  b.node("Shape", {"x"}, {"s"});
  b.ints("idx1", {1});
  b.node("Gather", {"s", "idx1"}, {"n1"});
  b.node("ConstantOfShape", {"n1"}, {"zeros"});  // [5] of 0.0f
  b.ints("zero", {0});
  b.ints("step", {1});
  b.node("Squeeze", {"n1", "zero"}, {"n"});
  b.node("Squeeze", {"zero", "zero"}, {"zero_s"});
  b.node("Squeeze", {"step", "zero"}, {"step_s"});
  b.node("Range", {"zero_s", "n", "step_s"}, {"r"});
  auto* to = b.node("Cast", {"r"}, {"rf"})->add_attribute();
  to->set_name("to");
  to->set_type(::onnx::AttributeProto::INT);
  to->set_i(TensorProto::FLOAT);
  b.node("Add", {"x", "rf"}, {"y0"});
  b.node("Add", {"y0", "zeros"}, {"y"});
  b.output("y");
  auto model = onnx::OnnxModel::from_bytes(b.m.SerializeAsString());
  const ir::Graph graph = model.specialize({}, {false});
  EXPECT_EQ(graph.nodes().size(), 2u);  // x + [0..4] + zeros[5]: the shape math folded
  ref::RefProgram prog(graph);
  const auto out = prog.run({iota({2, 5})});
  for (int i = 0; i < 10; ++i) EXPECT_EQ(out[0].data_as<float>()[i], i + 1 + i % 5);
}

}  // namespace
}  // namespace nuri
