// Timing-only runs cost nothing they need not: no weights, no generated inputs, no outputs read
// back (zero tensors whose pages are never touched).
#include <gtest/gtest.h>
#include <malloc.h>

#include <fstream>
#include <string>
#include <vector>

#include "compiler/models/catalogue.h"
#include "devices/npu/codegen.h"
#include "runtime/model_inputs.h"
#include "runtime/session.h"

namespace nuri::rt {
namespace {

double rss_mib() {  // resident memory now, from /proc/self/status
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  return 0;
}

double heap_mib() {  // bytes the program has allocated and not freed (glibc)
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd) / (1 << 20);
}

TEST(TimingOnly, NoWeightsAndNoOutputMemory) {
  ir::ModelSizes sizes;
  sizes.layers = 1;
  sizes.seq = 64;  // logits f32[1, 64, 50257]: 12.3 MiB
  ir::BuiltinModel m = ir::build_builtin_model("gpt2-small", sizes, 1, /*with_weights=*/false);
  size_t weight_bytes = 0;
  for (const ir::Value& v : m.graph.values())
    if (v.kind == ir::ValueKind::Constant && v.type.dtype == DType::F32) {
      EXPECT_EQ(v.data, nullptr) << v.name << " has data in a timing-only model";
      weight_bytes += v.type.nbytes();
    }
  EXPECT_GT(weight_bytes, size_t{100} << 20);  // the embedding alone is 147 MiB

  SessionOptions options;
  options.devices = {"npu"};
  options.device_options["npu"] = "timing_only=1";
  options.timing_only = true;
  Session session(std::move(m.graph), options);
  // The first run sets the simulator up; the second shows what a run itself touches.
  session.run({m.ids});
  const double before = rss_mib();
  const std::vector<Tensor> out = session.run({m.ids});
  const double grown = rss_mib() - before;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{1, 64, 50257}));
  const double logits_mib = static_cast<double>(out[0].nbytes()) / (1 << 20);
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator keeps freed blocks in quarantine and maps shadow memory: RSS says
  // nothing about what the run touched there. The Release suite checks it.
  (void)grown;
  (void)logits_mib;
  GTEST_SKIP() << "resident memory is not meaningful under AddressSanitizer";
#else
  EXPECT_LT(grown, logits_mib / 2) << "the run touched about the logits' memory";
#endif
}

// A decode step's KV cache (present_* outputs, past_* inputs) is the largest thing a timing-only
// run has: its buffers are allocated, but the run must not touch them (the npu used to zero its
// outputs, making a 7B cache at 2048 tokens, 2 GiB, resident).
TEST(TimingOnly, KvCacheBuffersStayUntouched) {
  // present_key/value f32[1, 8, 8193, 64]: 16 MiB each.
  const ir::ModelSizes sizes{
      .layers = 1, .d_model = 512, .heads = 8, .vocab = 128, .seq = 1, .past = 8192};
  ir::BuiltinModel m = ir::build_builtin_model("llama2-7b", sizes, 1, /*with_weights=*/false);
  SessionOptions options;
  options.devices = {"npu"};
  options.device_options["npu"] = "timing_only=1;trace=0";
  options.timing_only = true;
  Session session(std::move(m.graph), options);
  std::vector<TensorView> inputs;
  size_t cache_bytes = 0;
  for (ir::ValueId id : session.graph().inputs()) {
    const ir::Value& v = session.graph().value(id);
    const bool cache = v.name.rfind("past_", 0) == 0;  // no data: nothing reads it
    inputs.push_back({v.type.dtype, v.type.shape, cache ? nullptr : m.ids.data()});
  }
  for (ir::ValueId id : session.graph().outputs()) {
    const ir::Value& v = session.graph().value(id);
    if (v.name.rfind("present_", 0) == 0) cache_bytes += v.type.nbytes();
  }
  ASSERT_GT(cache_bytes, size_t{30} << 20);
  const double before = rss_mib();
  session.run(inputs);
  const double grown = rss_mib() - before;
#if defined(__SANITIZE_ADDRESS__)
  (void)grown;
  GTEST_SKIP() << "resident memory is not meaningful under AddressSanitizer";
#else
  EXPECT_LT(grown, static_cast<double>(cache_bytes) / (1 << 20) / 4)
      << "the run touched about the KV cache's memory";
#endif
}

// Values crossing between two timing-only simulators move nothing: their partition inputs and
// outputs are virtual buffers (ABI 2.4). Each transfer used to write its destination, making
// every crossing activation resident (a Llama-2-7B on pim,npu held 0.45 GB of them).
TEST(TimingOnly, TransfersBetweenSimulatorsMoveNoBytes) {
  // Elementwise ops on the pim, the rest on the npu: activations f32[256, 2048], 2 MiB each,
  // cross the link several times a layer.
  const ir::ModelSizes sizes{.layers = 2, .d_model = 2048, .heads = 16, .vocab = 128, .seq = 256};
  ir::BuiltinModel m = ir::build_builtin_model("llama2-7b", sizes, 1, /*with_weights=*/false);
  SessionOptions options;
  options.devices = {"pim", "npu"};
  options.device_options["npu"] = "config=atom-like;timing_only=1;trace=0";
  options.device_options["pim"] = "timing_only=1";
  options.timing_only = true;
  Session session(std::move(m.graph), options);
  ASSERT_GT(session.partition_count(), 4u);
  const double before = rss_mib();
  session.run({m.ids});
  const double grown = rss_mib() - before;
  const double crossed_mib = static_cast<double>(session.transferred_bytes_last_run()) / (1 << 20);
  ASSERT_GT(crossed_mib, 20.0);
#if defined(__SANITIZE_ADDRESS__)
  (void)grown;
  GTEST_SKIP() << "resident memory is not meaningful under AddressSanitizer";
#else
  EXPECT_LT(grown, crossed_mib / 4) << "the run touched about the transferred bytes";
#endif
}

// A timing-only npu executable holds no instruction programs: each execute emits the steps one
// at a time and simulates each before the next is made. What a run must hold is the graph (no
// weights), the simulator's state and one step's programs; the whole partition's programs, which
// it used to hold, are many times more (measured here with the codegen itself).
TEST(TimingOnly, NpuHoldsNoInstructionPrograms) {
  const ir::ModelSizes sizes{.layers = 4, .d_model = 2048, .heads = 16, .vocab = 256, .seq = 256};
  ir::BuiltinModel m = ir::build_builtin_model("llama2-7b", sizes, 1, /*with_weights=*/false);
  SessionOptions options;
  options.devices = {"npu"};
  options.device_options["npu"] = "config=atom-like;timing_only=1;trace=0";
  options.timing_only = true;
  // Heap bytes in use, not resident memory: blocks earlier tests freed are reused unseen.
  const double before = heap_mib();
  Session session(std::move(m.graph), options);
  session.run({m.ids});
  const double held = heap_mib() - before;
  ASSERT_EQ(session.partition_count(), 1u);
  // Measured after the run, so these allocations do not count in it.
  uint64_t program_bytes = 0;
  {
    const npu::NpuProgram all = npu::generate_program(
        session.partition_graph(0), sim::npu::load_config("atom-like"), /*sim=*/nullptr);
    for (const npu::Step& st : all.steps)
      for (const sim::npu::Program& p : st.programs)
        program_bytes += p.instrs.size() * sizeof(sim::npu::Instr);
  }
  const double program_mib = static_cast<double>(program_bytes) / (1 << 20);
  ASSERT_GT(program_mib, 20.0);
#if defined(__SANITIZE_ADDRESS__)
  (void)held;
  GTEST_SKIP() << "ASan's allocator does not report through mallinfo2";
#else
  EXPECT_LT(held, program_mib / 4) << "the session holds about its programs' bytes";
#endif
}

}  // namespace
}  // namespace nuri::rt
