// The verifier and the builder reject malformed graphs with messages naming node, input and
// expected vs actual.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/ir/builder.h"
#include "compiler/ir/dump.h"
#include "compiler/ir/verifier.h"
#include "nuri/error.hpp"

namespace nuri::ir {
namespace {

using ::testing::HasSubstr;

std::string verify_error(const Graph& g) {
  try {
    verify(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// x -> Relu -> y, built by hand so tests can break it.
Graph relu_graph() {
  Graph g("g");
  ValueId x = g.add_input("x", {DType::F32, {2, 3}});
  ValueId y = g.add_value("y", {DType::F32, {2, 3}});
  g.add_node({"relu", OpKind::Relu, {x}, {y}, {}});
  g.set_outputs({y});
  return g;
}

TEST(Verifier, AcceptsWellFormedGraph) {
  EXPECT_EQ(verify_error(relu_graph()), "");
}

TEST(Verifier, DanglingInput) {
  Graph g = relu_graph();
  ValueId ghost = g.add_value("ghost", {DType::F32, {2, 3}});
  ValueId z = g.add_value("z", {DType::F32, {2, 3}});
  g.add_node({"add", OpKind::Add, {0, ghost}, {z}, {}});
  EXPECT_THAT(verify_error(g), HasSubstr("node 'add' (Add): input 'ghost' is produced by no node"));
}

TEST(Verifier, DanglingOutput) {
  Graph g = relu_graph();
  ValueId ghost = g.add_value("ghost", {DType::F32, {2, 3}});
  g.set_outputs({ghost});
  EXPECT_THAT(verify_error(g), HasSubstr("graph output 'ghost' is produced by no node"));
}

TEST(Verifier, DoublyDefinedValue) {
  Graph g = relu_graph();
  g.add_node({"relu2", OpKind::Relu, {0}, {1}, {}});
  EXPECT_THAT(verify_error(g),
              HasSubstr("value 'y' is defined twice: by node 'relu' (Relu) and by node 'relu2'"));
}

TEST(Verifier, NodeOverwritingAnInput) {
  Graph g = relu_graph();
  g.add_node({"clobber", OpKind::Relu, {1}, {0}, {}});
  EXPECT_THAT(verify_error(g), HasSubstr("value 'x' is defined twice: by a graph input"));
}

TEST(Verifier, Cycle) {
  Graph g("cyclic");
  ValueId x = g.add_input("x", {DType::F32, {4}});
  ValueId a = g.add_value("a", {DType::F32, {4}});
  ValueId b = g.add_value("b", {DType::F32, {4}});
  g.add_node({"n1", OpKind::Add, {x, b}, {a}, {}});
  g.add_node({"n2", OpKind::Relu, {a}, {b}, {}});
  g.set_outputs({b});
  EXPECT_THAT(verify_error(g), HasSubstr("has a cycle through node 'n1' (Add)"));
}

TEST(Verifier, RecordedTypeDisagreesWithInference) {
  Graph g = relu_graph();
  g.mutable_value(1).type.shape = {3, 2};
  EXPECT_THAT(verify_error(g), HasSubstr("node 'relu' (Relu): output 0 'y' is recorded as "
                                         "f32[3, 2] but the op produces f32[2, 3]"));
  g.mutable_value(1).type = {DType::F16, {2, 3}};
  EXPECT_THAT(verify_error(g), HasSubstr("recorded as f16[2, 3] but the op produces f32[2, 3]"));
}

TEST(Verifier, ShapeMismatchNamesNodeAndInput) {
  Graph g("g");
  ValueId a = g.add_input("a", {DType::F32, {2, 3}});
  ValueId b = g.add_input("b", {DType::F32, {4, 5}});
  ValueId c = g.add_value("c", {DType::F32, {2, 5}});
  g.add_node({"mm", OpKind::MatMul, {a, b}, {c}, {}});
  g.set_outputs({c});
  EXPECT_THAT(verify_error(g), HasSubstr("node 'mm': MatMul: inner dimensions differ: input 0 'a' "
                                         "shape [2, 3] has K=3, input 1 'b' shape [4, 5] has K=4"));
}

TEST(Verifier, ConstantDataMustMatchItsType) {
  Graph g = relu_graph();
  ValueId w = g.add_constant("w", Tensor(DType::F32, {3}));
  g.mutable_value(w).type.shape = {4};
  EXPECT_THAT(verify_error(g), HasSubstr("constant 'w' holds f32[3] but is typed f32[4]"));
}

TEST(Verifier, DuplicateNames) {
  Graph g = relu_graph();
  g.add_input("x", {DType::F32, {1}});
  EXPECT_THAT(verify_error(g), HasSubstr("two values are named 'x'"));
}

TEST(Builder, BuildsAndInfersTypes) {
  GraphBuilder b("mlp");
  ValueId x = b.input("x", DType::F32, {4, 8});
  ValueId w = b.constant("w", Tensor(DType::F32, {8, 16}));
  ValueId h = b.add1(OpKind::Gelu, {b.matmul(x, w)}, {}, "act");
  EXPECT_EQ(b.type(h), (TensorType{DType::F32, {4, 16}}));
  b.output(h);
  Graph g = b.build();
  EXPECT_EQ(g.nodes().size(), 2u);
  EXPECT_EQ(g.parameter_count(), 128);
  const std::string text = dump(g);
  EXPECT_THAT(text, HasSubstr("input %x: f32[4, 8]"));
  EXPECT_THAT(text, HasSubstr("const %w: f32[8, 16]"));
  EXPECT_THAT(text, HasSubstr("%act: f32[4, 16] = Gelu(%MatMul_0)"));
  EXPECT_THAT(text, HasSubstr("return %act"));
}

TEST(Builder, MisuseFailsAtTheCallNamingTheNode) {
  GraphBuilder b;
  ValueId x = b.input("x", DType::F32, {4, 8});
  EXPECT_THAT(
      [&] {
        b.add1(OpKind::MatMul, {x, x}, {}, "bad_mm");
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("node 'bad_mm': MatMul: inner dimensions")));
  EXPECT_THAT(
      [&] {
        b.add1(OpKind::Relu, {x, 99}, {}, "r");
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("node 'r': input 1 is not a value")));
  EXPECT_THAT([&] { b.input("x", DType::F32, {1}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("value 'x' already exists")));
  EXPECT_THAT([&] { b.input("neg", DType::F32, {-1}); },
              ::testing::ThrowsMessage<Error>(HasSubstr("negative dim")));
  b.add1(OpKind::Relu, {x}, {}, "r1");
  EXPECT_THAT([&] { b.add1(OpKind::Relu, {x}, {}, "r1"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("a value named 'r1' already exists")));
  EXPECT_THAT(
      [&] {
        b.add1(OpKind::Softmax, {x}, {{"axis", int64_t{5}}}, "sm");
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("axis 5 is out of range for rank 2")));
  EXPECT_THAT(
      [&] {
        b.add1(OpKind::Softmax, {x}, {{"axis", std::string("last")}}, "sm2");
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'axis' is string, expected int")));
}

TEST(Builder, BuildRequiresOutputsAndHappensOnce) {
  GraphBuilder b;
  ValueId x = b.input("x", DType::F32, {2});
  EXPECT_THAT([&] { b.build(); }, ::testing::ThrowsMessage<Error>(HasSubstr("no outputs")));
  b.output(b.add1(OpKind::Relu, {x}));
  b.build();
  EXPECT_THROW(b.build(), Error);
  EXPECT_THROW(b.add1(OpKind::Relu, {x}), Error);
}

}  // namespace
}  // namespace nuri::ir
