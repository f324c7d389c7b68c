// The built-in decoders with a batch: every sequence of a batch gets what it gets alone. A
// decode step at batch 2 (KV cache [2, heads, past, dim]) runs on ref, cpu, npu and pim (its
// decode attention, the rest on cpu), and each batch row of its logits and presents equals the
// batch-1 run of that row's sequence on the same device, and ref's batch-1 run within the
// device's dtype tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/models/catalogue.h"
#include "compiler/models/seeded_random.h"
#include "runtime/session.h"

namespace nuri::rt {
namespace {

constexpr int64_t kBatch = 2, kPast = 5;

ir::BuiltinModel step_model(const std::string& family, int64_t batch) {
  ir::ModelSizes s{.layers = 2, .d_model = 32, .heads = 4, .vocab = 61, .seq = 1, .past = kPast};
  s.batch = batch;
  return ir::build_builtin_model(family, s, 3);
}

// Row r of a tensor whose leading dimension is the batch, as a batch-1 tensor.
Tensor row(const Tensor& t, int64_t r) {
  Shape shape = t.shape();
  const size_t bytes = t.nbytes() / static_cast<size_t>(shape[0]);
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  std::copy_n(static_cast<const char*>(t.data()) + static_cast<size_t>(r) * bytes, bytes,
              static_cast<char*>(out.data()));
  return out;
}

// Deterministic values in [-1, 1) for a cache input.
Tensor cache_values(const Shape& shape, uint64_t seed) {
  Tensor t(DType::F32, shape);
  ir::SeededRandom rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data_as<float>()[i] = static_cast<float>(rng.uniform(-1, 1));
  return t;
}

std::vector<Tensor> run_on(const std::string& device, const ir::BuiltinModel& m,
                           const std::vector<Tensor>& in) {
  SessionOptions o;
  o.devices = {device};
  o.fuse = true;
  Session session(ir::Graph(m.graph), o);
  return session.run(in);
}

// max |a - b| over max(1, max |b|).
double relative_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double err = 0, scale = 1;
  for (int64_t i = 0; i < std::min(a.numel(), b.numel()); ++i) {
    err = std::max(err,
                   static_cast<double>(std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(b.data_as<float>()[i])));
  }
  return err / scale;
}

struct DeviceCase {
  const char* device;
  double same_device_tolerance;  // batch row vs the batch-1 run on the same device
  double ref_tolerance;          // vs ref's batch-1 run: the device's compute dtype
};

void expect_rows_equal_single_runs(const std::string& family) {
  const ir::BuiltinModel batched = step_model(family, kBatch), single = step_model(family, 1);
  std::vector<Tensor> in{batched.ids};
  for (size_t i = 1; i < batched.graph.inputs().size(); ++i)
    in.push_back(cache_values(batched.graph.value(batched.graph.inputs()[i]).type.shape, 40 + i));
  ASSERT_EQ(in.size(), 1 + 4u);  // ids, then past key and value of 2 layers
  EXPECT_EQ(in[1].shape(), (Shape{kBatch, 4, kPast, 8}));
  std::vector<std::vector<Tensor>> row_inputs(kBatch);
  std::vector<std::vector<Tensor>> ref_rows;
  for (int64_t r = 0; r < kBatch; ++r) {
    for (const Tensor& t : in) row_inputs[r].push_back(row(t, r));
    ref_rows.push_back(run_on("ref", single, row_inputs[r]));
  }
  // cpu computes in f32; npu in bf16 (2^-8 per rounding: a few roundings' worth through 2
  // layers); pim only the attention, in f16 (2^-11 per rounding), the rest falls back to cpu.
  for (const DeviceCase& c : {DeviceCase{"ref", 1e-6, 1e-6}, DeviceCase{"cpu", 1e-5, 1e-4},
                              DeviceCase{"npu", 1e-6, 1e-2}, DeviceCase{"pim", 1e-6, 2e-3}}) {
    const std::vector<Tensor> out = run_on(c.device, batched, in);
    ASSERT_EQ(out.size(), 5u) << c.device;
    EXPECT_EQ(out[0].shape(), (Shape{kBatch, 1, 61})) << c.device;
    EXPECT_EQ(out[1].shape(), (Shape{kBatch, 4, kPast + 1, 8})) << c.device;
    for (int64_t r = 0; r < kBatch; ++r) {
      const std::vector<Tensor> alone = run_on(c.device, single, row_inputs[r]);
      for (size_t i = 0; i < out.size(); ++i) {
        const Tensor got = row(out[i], r);
        EXPECT_LE(relative_error(got, alone[i]), c.same_device_tolerance)
            << family << " on " << c.device << ": row " << r << " output " << i;
        EXPECT_LE(relative_error(got, ref_rows[r][i]), c.ref_tolerance)
            << family << " on " << c.device << ": row " << r << " output " << i;
      }
    }
  }
  // The two rows are different sequences (else equal rows would prove nothing).
  EXPECT_GT(relative_error(ref_rows[0][0], ref_rows[1][0]), 1e-3);
}

TEST(BatchedModels, Gpt2DecodeStepRowsEqualSingleSequenceRuns) {
  expect_rows_equal_single_runs("gpt2-small");
}

TEST(BatchedModels, LlamaDecodeStepRowsEqualSingleSequenceRuns) {
  expect_rows_equal_single_runs("llama2-7b");
}

TEST(BatchedModels, BatchShapesEveryInputOutputAndCache) {
  const ir::BuiltinModel m = step_model("llama2-7b", 3);
  EXPECT_EQ(m.batch, 3);
  EXPECT_EQ(m.ids.shape(), (Shape{3, 1}));
  const ir::Graph& g = m.graph;
  EXPECT_EQ(g.value(g.inputs()[0]).type.shape, (Shape{3, 1}));
  EXPECT_EQ(g.value(g.inputs()[1]).type.shape, (Shape{3, 4, kPast, 8}));
  EXPECT_EQ(g.value(g.outputs()[0]).type.shape, (Shape{3, 1, 61}));
  EXPECT_EQ(g.value(g.outputs()[1]).type.shape, (Shape{3, 4, kPast + 1, 8}));
  // Row 0 of the seeded ids is the batch-1 model's ids.
  EXPECT_EQ(row(m.ids, 0).data_as<int64_t>()[0],
            step_model("llama2-7b", 1).ids.data_as<int64_t>()[0]);
  ir::ModelSizes bert;
  bert.batch = 2;
  EXPECT_THROW(ir::build_builtin_model("bert-base", bert, 1, false), Error);
}

}  // namespace
}  // namespace nuri::rt
