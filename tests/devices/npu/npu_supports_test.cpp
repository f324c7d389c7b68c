// The npu's capability query is its codegen's lowering run dry: for every op of the IR and a set
// of attribute / dtype / operand-kind variants, the query accepts a node exactly when compiling
// that node alone succeeds, and a refusal carries the lowering's reason. Functional and
// timing-only devices alike.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "runtime/registry.h"
#include "tests/devices/npu/npu_test_registry.h"

namespace nuri {
namespace {

using ir::OpKind;

rt::DeviceRegistry& registry() {
  return npu_test::builtin_registry();
}

// An operand: a graph input, a constant with data, or absent (an optional input left out).
struct In {
  DType dtype = DType::F32;
  Shape shape;
  bool constant = false;
  bool absent = false;
};
In f(Shape s) {
  return {DType::F32, std::move(s)};
}
In c(Shape s, DType t = DType::F32) {
  return {t, std::move(s), true};
}
In t(DType d, Shape s) {
  return {d, std::move(s)};
}
const In kAbsent{DType::F32, {}, false, true};

struct OpCase {
  OpCase(OpKind o, std::vector<In> i, ir::Attributes a = {}, size_t n = 1)
      : op(o), ins(std::move(i)), attrs(std::move(a)), outputs(n) {}
  OpKind op;
  std::vector<In> ins;
  ir::Attributes attrs;
  size_t outputs;
};

Tensor filled(DType dt, const Shape& s) {
  Tensor x(dt, s);
  for (int64_t i = 0; i < x.numel(); ++i) switch (dt) {
      case DType::F32:
        x.data_as<float>()[i] = 0.25f * static_cast<float>(i % 7 - 3);
        break;
      case DType::I64:
        x.data_as<int64_t>()[i] = i % 2;
        break;
      case DType::I32:
        x.data_as<int32_t>()[i] = static_cast<int32_t>(i % 2);
        break;
      default:
        std::memset(static_cast<std::byte*>(x.data()) + i * dtype_size(dt), 1, dtype_size(dt));
    }
  return x;
}

ir::Graph one_node(const OpCase& oc) {
  ir::GraphBuilder b(std::string(ir::op_name(oc.op)));
  std::vector<ir::ValueId> ins;
  for (size_t i = 0; i < oc.ins.size(); ++i) {
    const In& in = oc.ins[i];
    const std::string name = "in" + std::to_string(i);
    ins.push_back(in.absent     ? ir::kNoValue
                  : in.constant ? b.constant(name, filled(in.dtype, in.shape))
                                : b.input(name, in.dtype, in.shape));
  }
  for (ir::ValueId o : b.add(oc.op, ins, oc.attrs, oc.outputs, "node")) b.output(o);
  return b.build();
}

std::vector<OpCase> cases() {
  const Shape x{8, 16};
  const In q = f({1, 2, 8, 16});
  std::vector<OpCase> v = {
      {OpKind::MatMul, {f(x), c({16, 24})}},
      {OpKind::MatMul, {f({2, 8, 16}), f({16, 24})}},
      {OpKind::MatMul, {f({2, 8, 16}), f({2, 16, 24})}},  // batched B: refused
      {OpKind::MatMul, {t(DType::BF16, x), c({16, 24}, DType::BF16)}},
      {OpKind::Gemm, {f(x), c({16, 24}), c({24})}},
      {OpKind::Gemm, {f(x), c({24, 16}), c({1, 24})}, {{"transB", int64_t{1}}}},
      {OpKind::Gemm, {f({16, 8}), c({16, 24})}, {{"transA", int64_t{1}}}},
      {OpKind::Gemm, {f(x), c({16, 24}), c({24})}, {{"alpha", 0.5}}},
      {OpKind::Gemm, {f(x), c({16, 24}), f({24})}},     // C not a constant
      {OpKind::Gemm, {f(x), c({16, 24}), c({8, 24})}},  // C a matrix
      {OpKind::Add, {f(x), f(x)}},
      {OpKind::Add, {f(x), c({16})}},
      {OpKind::Add, {c({16}), f(x)}},
      {OpKind::Add, {f(x), f({16})}},     // a non-constant row
      {OpKind::Add, {f(x), c({8, 1})}},   // a column
      {OpKind::Add, {f({1, 16}), f(x)}},  // the bigger operand broadcast
      {OpKind::Add, {t(DType::I32, x), t(DType::I32, x)}},
      {OpKind::Mul, {f(x), f(x)}},
      {OpKind::Mul, {f(x), c({1, 16})}},
      {OpKind::Sub, {f(x), f(x)}},
      {OpKind::Div, {f(x), f(x)}},
      {OpKind::Pow, {f(x), f(x)}},
      {OpKind::Equal, {f(x), f(x)}},
      {OpKind::Where, {t(DType::Bool, x), f(x), f(x)}},
      {OpKind::Sqrt, {f(x)}},
      {OpKind::Exp, {f(x)}},
      {OpKind::Erf, {f(x)}},
      {OpKind::Tanh, {f(x)}},
      {OpKind::Neg, {f(x)}},
      {OpKind::Reciprocal, {f(x)}},
      {OpKind::Sigmoid, {f(x)}},
      {OpKind::Relu, {f(x)}},
      {OpKind::Gelu, {f(x)}},
      {OpKind::Gelu, {f(x)}, {{"approximate", std::string("tanh")}}},
      {OpKind::Silu, {t(DType::BF16, x)}},
      {OpKind::Softmax, {f(x)}},
      {OpKind::Softmax, {f(x)}, {{"axis", int64_t{0}}}},
      {OpKind::LayerNorm, {f(x), c({16}), c({16})}},
      {OpKind::LayerNorm, {f(x), c({16})}},
      {OpKind::LayerNorm, {f(x), f({16}), c({16})}},  // gain not a constant
      {OpKind::LayerNorm, {f(x), c({8, 16})}, {{"axis", int64_t{0}}}},
      {OpKind::RMSNorm, {f(x), c({16})}},
      {OpKind::RMSNorm, {f(x), f({16})}},
      {OpKind::ReduceMean, {f(x)}, {{"axes", std::vector<int64_t>{1}}}},
      {OpKind::ReduceSum, {f(x)}, {{"axes", std::vector<int64_t>{1}}}},
      {OpKind::ReduceMax, {f(x)}, {{"axes", std::vector<int64_t>{1}}}},
      {OpKind::Reshape, {f(x)}, {{"shape", std::vector<int64_t>{2, 4, 16}}}},
      {OpKind::Transpose, {f({2, 8, 16})}, {{"perm", std::vector<int64_t>{1, 0, 2}}}},
      {OpKind::Transpose, {f(x)}, {{"perm", std::vector<int64_t>{1, 0}}}},
      {OpKind::Concat, {f(x), f(x)}, {{"axis", int64_t{0}}}},
      {OpKind::Split, {f(x)}, {{"axis", int64_t{1}}}, 2},
      {OpKind::Slice,
       {f(x)},
       {{"starts", std::vector<int64_t>{0}},
        {"ends", std::vector<int64_t>{4}},
        {"axes", std::vector<int64_t>{0}}}},
      {OpKind::Gather, {f(x), c({3}, DType::I64)}},
      {OpKind::Unsqueeze, {f(x)}, {{"axes", std::vector<int64_t>{0}}}},
      {OpKind::Squeeze, {f({1, 8, 16})}, {{"axes", std::vector<int64_t>{0}}}},
      {OpKind::Expand, {f({1, 16})}, {{"shape", std::vector<int64_t>{8, 16}}}},
      {OpKind::Cast, {f(x)}, {{"to", std::string("bf16")}}},
      {OpKind::Embedding, {c({32, 16}), t(DType::I64, {1, 5})}},
      {OpKind::Embedding, {c({32, 16}), c({1, 5}, DType::I64)}},
      {OpKind::Embedding, {c({32, 16}), t(DType::I32, {5})}},
      {OpKind::Embedding, {f({32, 16}), t(DType::I64, {1, 5})}},  // table not a constant
      {OpKind::Attention, {q, q, q}},
      {OpKind::Attention, {q, q, q}, {{"causal", int64_t{1}}, {"scale", 0.2}}},
      {OpKind::Attention, {q, f({1, 1, 8, 16}), f({1, 1, 8, 16})}},  // grouped-query
      {OpKind::Attention, {q, q, q, t(DType::Bool, {1, 1, 8, 8})}},
      {OpKind::Attention, {q, q, q, f({8, 8})}},
      {OpKind::Attention, {q, q, q, f({1, 2, 8, 1})}},  // a mask broadcast over the keys
      {OpKind::Attention,
       {f({1, 2, 1, 16}), f({1, 2, 1, 16}), f({1, 2, 1, 16}), kAbsent, f({1, 2, 7, 16}),
        f({1, 2, 7, 16})},
       {{"causal", int64_t{1}}},
       3},
      {OpKind::Attention, {q, q, q}, {}, 3},  // present = k, v
      {OpKind::Attention, {f({2, 2, 8, 16}), f({2, 2, 8, 16}), f({2, 2, 8, 16})}},  // batch 2
      {OpKind::Attention, {q, q, f({1, 2, 8, 8})}},  // v's head_dim differs
      {OpKind::Attention, {f({1, 2, 8, 16}), f({1, 2, 8192, 16}), f({1, 2, 8192, 16})}},
      {OpKind::Attention, {q, f({1, 2, 4, 16}), f({1, 2, 4, 16})}, {{"causal", int64_t{1}}}},
      {OpKind::RotaryEmbedding, {q, c({8, 8}), c({8, 8})}},
      {OpKind::RotaryEmbedding, {q, c({8, 8}), c({8, 8})}, {{"interleaved", int64_t{1}}}},
      {OpKind::RotaryEmbedding, {q, f({8, 8}), c({8, 8})}},
      {OpKind::QuantizeLinear, {f(x), c({1})}},
      {OpKind::DequantizeLinear, {t(DType::I8, x), c({1})}},
      {OpKind::MatMulInteger, {t(DType::I8, x), c({16, 24}, DType::I8)}},
      {OpKind::QLinearMatMul,
       {t(DType::I8, x), c({1}), c({1}, DType::I8), c({16, 24}, DType::I8), c({1}),
        c({1}, DType::I8), c({1}), c({1}, DType::I8)}},
  };
  return v;
}

TEST(NpuSupports, QueryAgreesWithCompileForEveryOp) {
  const std::vector<OpCase> all = cases();
  std::set<OpKind> covered;
  for (const OpCase& oc : all) covered.insert(oc.op);
  for (OpKind op : ir::kAllOps) EXPECT_TRUE(covered.count(op)) << ir::op_name(op) << " has no case";
  for (const char* opts : {"", "timing_only=1", "config=atom-like"}) {
    auto dev = registry().create("npu", opts);
    int accepted = 0, refused = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "case " << i << " (" << ir::op_name(all[i].op)
                                        << ") options '" << opts << "'");
      const ir::Graph g = one_node(all[i]);
      const ir::GraphDesc desc(g);
      const rt::OpSupport s = dev->query_op(desc.get(), 0);
      std::string compile_error;
      try {
        dev->compile(desc.get());
      } catch (const Error& e) {
        compile_error = e.what();
      }
      EXPECT_EQ(s.supported, compile_error.empty())
          << "query: " << s.reason << "\ncompile: " << compile_error;
      EXPECT_TRUE(s.supported || !s.reason.empty());
      if (std::getenv("NURI_NPU_TEST_VERBOSE"))
        std::printf("[%s] %zu %s: %s\n", opts, i, std::string(ir::op_name(all[i].op)).c_str(),
                    s.supported ? "yes" : s.reason.c_str());
      (s.supported ? accepted : refused)++;
    }
    // Both sides of the line are exercised.
    EXPECT_GT(accepted, 20) << opts;
    EXPECT_GT(refused, 20) << opts;
  }
}

// A weight-less constant: the functional device declines (no data to compute with), the
// timing-only device accepts, and the reason names the constant.
TEST(NpuSupports, FunctionalNeedsConstantData) {
  ir::GraphBuilder b("mm");
  const ir::ValueId x = b.input("x", DType::F32, {8, 16});
  b.output(b.matmul(x, b.constant_placeholder("w", DType::F32, {16, 24})));
  const ir::Graph g = b.build();
  const ir::GraphDesc desc(g);
  const rt::OpSupport fn = registry().create("npu", "")->query_op(desc.get(), 0);
  EXPECT_FALSE(fn.supported);
  EXPECT_NE(fn.reason.find("'w'"), std::string::npos) << fn.reason;
  EXPECT_TRUE(registry().create("npu", "timing_only=1")->query_op(desc.get(), 0).supported);
}

}  // namespace
}  // namespace nuri
