// The NPU device through the ABI and a Session: numerics against the ref device, placement,
// per-op roofline bounds, timing-only == functional cycles, reports, option and memory errors.
#include <gtest/gtest.h>

#include "simulator/dram/dram_config.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "compiler/models/bert.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/llama.h"
#include "devices/npu/npu_device.h"
#include "runtime/registry.h"
#include "runtime/session.h"
#include "simulator/npu/config.h"
#include "tests/devices/npu/npu_test_registry.h"

namespace nuri {
namespace {

namespace fs = std::filesystem;

rt::DeviceRegistry& registry() {
  return npu_test::builtin_registry();
}

rt::SessionOptions npu_options(const std::string& dev_opts) {
  rt::SessionOptions o;
  o.devices = {"npu"};
  o.fallback_device = "ref";
  o.device_options["npu"] = dev_opts;
  return o;
}

std::string create_error(const char* options) {
  const nuri_device_api* api = npu::npu_device_api();
  nuri_device_impl* dev = nullptr;
  nuri_error err{};
  err.struct_size = sizeof(err);
  const nuri_status st = api->device_create(options, &dev, &err);
  if (st == NURI_OK) {
    api->device_release(dev);
    return "";
  }
  return err.message;
}

TEST(NpuDevice, OptionsAndErrors) {
  EXPECT_EQ(create_error(""), "");
  EXPECT_EQ(create_error("config=atom-like;timing_only=1;trace=0"), "");
  EXPECT_NE(create_error("colour=red").find("unknown option 'colour'"), std::string::npos);
  EXPECT_NE(create_error("timing_only=2").find("timing_only=2"), std::string::npos);
  EXPECT_NE(create_error("config").find("needs a value"), std::string::npos);
  EXPECT_EQ(create_error("dram=HBM3"), "");  // the command-level DRAM model under the NPU
  EXPECT_NE(create_error("dram=DDR9").find("dram=DDR9"), std::string::npos);
  const std::string e = create_error("config=no-such-npu");
  EXPECT_NE(e.find("config=no-such-npu"), std::string::npos) << e;
}

TEST(NpuDevice, Properties) {
  auto dev = registry().create("npu", "config=rngd-like");
  const nuri_device_properties& p = dev->properties();
  const auto cfg = sim::npu::preset_config("rngd-like");
  EXPECT_EQ(p.kind, NURI_DEVICE_KIND_NPU);
  EXPECT_EQ(p.simulated, 1);
  EXPECT_EQ(p.memory_bytes, cfg.memory.capacity_bytes);
  // 8 cores x 128 x 128 MACs x 2 ops x 1 GHz = 262 TFLOPS bf16.
  EXPECT_DOUBLE_EQ(p.peak_ops_per_s[NURI_DTYPE_BF16],
                   2.0 * cfg.peak_macs_per_cycle() * cfg.clock_mhz * 1e6);
  EXPECT_DOUBLE_EQ(p.memory_bandwidth_bytes_per_s, cfg.memory.aggregate_gbps() * 1e9);
}

// estimate_cost is the roofline of the op: max(MACs / peak MACs/s, bf16 bytes / bandwidth).
TEST(NpuDevice, EstimateCostIsTheRoofline) {
  ir::GraphBuilder b("mm");
  const ir::ValueId x = b.input("x", DType::F32, {128, 768});
  const ir::ValueId w = b.constant_placeholder("w", DType::F32, {768, 768});
  b.output(b.add1(ir::OpKind::Tanh, {b.matmul(x, w)}, {}, "tanh"));
  const ir::Graph g = b.build();
  const ir::GraphDesc desc(g);
  const nuri_device_api* api = npu::npu_device_api();
  nuri_device_impl* dev = nullptr;
  nuri_error err{};
  err.struct_size = sizeof(err);
  // Timing only: the weight is a placeholder, which a functional npu declines (it has no data).
  ASSERT_EQ(api->device_create("config=rngd-like;timing_only=1", &dev, &err), NURI_OK)
      << err.message;
  const auto cfg = sim::npu::preset_config("rngd-like");
  nuri_op_cost_args cost{sizeof(nuri_op_cost_args), desc.get(), 0, 0.0};
  ASSERT_EQ(api->device_estimate_op(dev, &cost, &err), NURI_OK) << err.message;
  const double sec = cost.seconds;
  const double macs = 128.0 * 768 * 768, bytes = 2.0 * (128 * 768 + 768 * 768 + 128 * 768);
  const double want = std::max(macs / (cfg.peak_macs_per_cycle() * cfg.clock_mhz * 1e6),
                               bytes / (cfg.memory.aggregate_gbps() * 1e9));
  EXPECT_NEAR(sec, want, want * 1e-9);
  const auto query = [&](size_t node, std::string* reason) {
    char why[256] = "";
    nuri_op_query_args q{sizeof(nuri_op_query_args), desc.get(), node, why, sizeof(why), -1};
    EXPECT_EQ(api->device_query_op(dev, &q, &err), NURI_OK) << err.message;
    *reason = why;
    return q.supported;
  };
  std::string reason;
  EXPECT_EQ(query(0, &reason), 1);
  EXPECT_EQ(query(1, &reason), 0);  // Tanh falls back, and the device says why
  EXPECT_FALSE(reason.empty());
  cost.node = 1;
  EXPECT_NE(api->device_estimate_op(dev, &cost, &err), NURI_OK);
  api->device_release(dev);
}

ir::Gpt2Config small_gpt2(bool weights) {
  ir::Gpt2Config c;  // 2 layers, d 128, 4 heads, vocab 512, seq 32
  c.with_weights = weights;
  return c;
}

TEST(NpuDevice, Gpt2MatchesRefAndPlacesOnNpu) {
  const ir::Gpt2Config c = small_gpt2(true);
  const Tensor ids = ir::gpt2_demo_ids(c);
  rt::SessionOptions ro;
  ro.devices = {"ref"};
  ro.fallback_device = "ref";
  rt::Session ref(ir::build_gpt2(c), ro, registry());
  const Tensor want = ref.run({ids})[0];

  rt::Session s(ir::build_gpt2(c), npu_options("config=rngd-like"), registry());
  const Tensor got = s.run({ids})[0];
  ASSERT_EQ(got.shape(), want.shape());
  // bf16 tolerance: every activation is rounded to bf16 (unit roundoff 2^-9 relative) after
  // each of ~30 ops, so errors compound to a few percent of the logit scale; we require
  // max |npu - ref| <= 2% of max |ref| and a mean error under 0.5% (measured: 0.4%, 0.07%).
  const float* a = got.data_as<float>();
  const float* b = want.data_as<float>();
  double max_ref = 0, max_err = 0, sum_err = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    max_ref = std::max(max_ref, std::abs(double(b[i])));
    max_err = std::max(max_err, std::abs(double(a[i]) - b[i]));
    sum_err += std::abs(double(a[i]) - b[i]);
  }
  const double mean_err = sum_err / static_cast<double>(got.numel());
  std::printf("gpt2 npu vs ref: max_ref %.4g max_err %.4g mean_err %.4g\n", max_ref, max_err,
              mean_err);
  EXPECT_LE(max_err, 0.02 * max_ref);
  EXPECT_LE(mean_err, 0.005 * max_ref);
  if (std::getenv("NURI_NPU_TEST_VERBOSE")) std::printf("%s\n", s.placement_report().c_str());

  const ir::Graph& g = s.graph();
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::OpKind op = g.nodes()[i].op;
    if (op == ir::OpKind::MatMul || op == ir::OpKind::Gemm || op == ir::OpKind::Attention ||
        op == ir::OpKind::LayerNorm) {
      EXPECT_EQ(s.devices()[s.plan().target_of_node[i]]->name(), "npu") << g.nodes()[i].name;
    }
  }
  const auto stats = s.last_stats();
  bool any = false;
  for (const auto& ps : stats)
    if (ps.device == "npu") {
      any = true;
      EXPECT_GT(ps.stats.cycles, 0u);
      EXPECT_DOUBLE_EQ(ps.stats.clock_hz, 1e9);
      EXPECT_NEAR(ps.stats.elapsed_ns, ps.stats.cycles / 1.0, 1.0);  // 1 GHz
      EXPECT_GT(ps.stats.bytes_moved, 0u);
      EXPECT_GT(ps.stats.energy_joules, 0.0);
    }
  EXPECT_TRUE(any);
}

// max |a - b| relative to max |b|, and the mean |a - b| relative to max |b|.
std::pair<double, double> rel_errors(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(got.shape(), want.shape());
  const float* a = got.data_as<float>();
  const float* b = want.data_as<float>();
  double max_ref = 0, max_err = 0, sum_err = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    max_ref = std::max(max_ref, std::abs(double(b[i])));
    max_err = std::max(max_err, std::abs(double(a[i]) - b[i]));
    sum_err += std::abs(double(a[i]) - b[i]);
  }
  return {max_err / max_ref, sum_err / static_cast<double>(got.numel()) / max_ref};
}

Tensor run_on(const ir::Graph& g, const std::vector<Tensor>& in, rt::SessionOptions o) {
  rt::Session s(g, std::move(o), registry());
  return s.run(in)[0];
}

rt::SessionOptions ref_only() {
  rt::SessionOptions o;
  o.devices = {"ref"};
  o.fallback_device = "ref";
  return o;
}

Tensor demo_ids(int64_t seq, int64_t vocab) {
  Tensor ids(DType::I64, {1, seq});
  for (int64_t i = 0; i < seq; ++i) ids.data_as<int64_t>()[i] = (i * 37 + 11) % vocab;
  return ids;
}

// bf16 activations through ~10 ops per layer: 2% of the output scale at most, 0.5% on average.
TEST(NpuDevice, BertMatchesRef) {
  ir::BertConfig c;
  c.layers = 2;
  c.d_model = 128;
  c.heads = 4;
  c.mlp = 512;
  c.vocab = 1000;
  c.seq = 32;
  c.max_pos = 64;
  const ir::Graph g = ir::build_bert(c);
  const Tensor ids = demo_ids(c.seq, c.vocab);
  rt::Session s(g, npu_options(""), registry());
  const auto [max_rel, mean_rel] = rel_errors(s.run({ids})[0], run_on(g, {ids}, ref_only()));
  std::printf("bert npu vs ref: max %.3g mean %.3g (of max |ref|)\n", max_rel, mean_rel);
  EXPECT_LE(max_rel, 0.02);
  EXPECT_LE(mean_rel, 0.005);
  EXPECT_EQ(s.plan().partitions.size(), 1u);  // everything, erf Gelu included, on the npu
}

// Llama: RMSNorm, RotaryEmbedding (rotate-half on the vector unit), Silu, causal Attention all
// run on the npu, grouped-query attention (kv heads < heads) included.
TEST(NpuDevice, LlamaMatchesRef) {
  for (int64_t kv : {4, 2}) {
    ir::LlamaConfig c;
    c.layers = 2;
    c.d_model = 128;
    c.heads = 4;
    c.kv_heads = kv;
    c.mlp = 256;
    c.vocab = 512;
    c.seq = 16;
    const ir::Graph g = ir::build_llama(c);
    const Tensor ids = demo_ids(c.seq, c.vocab);
    rt::Session s(g, npu_options(""), registry());
    const auto [max_rel, mean_rel] = rel_errors(s.run({ids})[0], run_on(g, {ids}, ref_only()));
    std::printf("llama kv=%lld npu vs ref: max %.3g mean %.3g\n", static_cast<long long>(kv),
                max_rel, mean_rel);
    EXPECT_LE(max_rel, 0.03);
    EXPECT_LE(mean_rel, 0.005);
    const ir::Graph& sg = s.graph();
    for (size_t i = 0; i < sg.nodes().size(); ++i) {
      const ir::OpKind op = sg.nodes()[i].op;
      const std::string dev = s.devices()[s.plan().target_of_node[i]]->name();
      EXPECT_EQ(dev, "npu") << sg.nodes()[i].name << " (" << ir::op_name(op) << ")";
    }
  }
}

// RotaryEmbedding on a batch: one rotate-half pass per sequence, each against the reference
// kernel. x comes head-major ([B, H, S, D] contiguous: a DMA relayout first) and as a Llama
// makes it (the [B, S, H*D] projection viewed as heads: read in place).
TEST(NpuDevice, RotaryEmbeddingOnABatchMatchesRef) {
  const int64_t B = 3, H = 2, S = 5, D = 8;
  Tensor cos_t(DType::F32, {S, D / 2}), sin_t(DType::F32, {S, D / 2});
  for (int64_t p = 0; p < S; ++p)
    for (int64_t i = 0; i < D / 2; ++i) {
      const double angle = static_cast<double>(p) * std::pow(10000.0, -2.0 * i / D);
      cos_t.data_as<float>()[p * D / 2 + i] = static_cast<float>(std::cos(angle));
      sin_t.data_as<float>()[p * D / 2 + i] = static_cast<float>(std::sin(angle));
    }
  for (const bool head_major : {true, false}) {
    SCOPED_TRACE(head_major ? "head-major x" : "x viewed from [B, S, H*D]");
    ir::GraphBuilder b("rope");
    const Shape in_shape = head_major ? Shape{B, H, S, D} : Shape{B, S, H * D};
    const ir::ValueId in = b.input("x", DType::F32, in_shape);
    const ir::ValueId x = head_major ? in : b.transpose(b.reshape(in, {B, S, H, D}), {0, 2, 1, 3});
    b.output(b.add1(ir::OpKind::RotaryEmbedding,
                    {x, b.constant("cos", cos_t), b.constant("sin", sin_t)}, {}, "rope"));
    const ir::Graph g = b.build();
    Tensor xv(DType::F32, in_shape);
    for (int64_t i = 0; i < xv.numel(); ++i)
      xv.data_as<float>()[i] = 0.1f * static_cast<float>((i * 7) % 23 - 11);
    rt::Session s(g, npu_options(""), registry());
    const Tensor got = s.run({xv})[0];
    const auto [max_rel, mean_rel] = rel_errors(got, run_on(g, {xv}, ref_only()));
    std::printf("rope batch %lld npu vs ref: max %.3g mean %.3g\n", static_cast<long long>(B),
                max_rel, mean_rel);
    EXPECT_LE(max_rel, 0.01);  // bf16 operands and result: 2^-8 relative each
    EXPECT_LE(mean_rel, 0.003);
    for (size_t i = 0; i < s.graph().nodes().size(); ++i)
      EXPECT_EQ(s.devices()[s.plan().target_of_node[i]]->name(), "npu")
          << s.graph().nodes()[i].name;
  }
}

// Attention on contiguous [1, H, S, Dh] inputs: the codegen relayouts them by DMA.
TEST(NpuDevice, AttentionOnHeadMajorInputs) {
  ir::GraphBuilder b("attn");
  const ir::ValueId q = b.input("q", DType::F32, {1, 2, 24, 16});
  const ir::ValueId k = b.input("k", DType::F32, {1, 2, 24, 16});
  const ir::ValueId v = b.input("v", DType::F32, {1, 2, 24, 16});
  b.output(b.add1(ir::OpKind::Attention, {q, k, v}, {{"causal", int64_t{1}}}, "attn"));
  const ir::Graph g = b.build();
  std::vector<Tensor> in;
  for (int t = 0; t < 3; ++t) {
    Tensor x(DType::F32, {1, 2, 24, 16});
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data_as<float>()[i] = 0.1f * static_cast<float>((i * (7 + t)) % 23 - 11);
    in.push_back(x);
  }
  const auto [max_rel, mean_rel] =
      rel_errors(run_on(g, in, npu_options("")), run_on(g, in, ref_only()));
  EXPECT_LE(max_rel, 0.02);
  EXPECT_LE(mean_rel, 0.005);
}

uint64_t npu_cycles(rt::Session& s) {
  uint64_t c = 0;
  for (const auto& ps : s.last_stats())
    if (ps.device == "npu") c += ps.stats.cycles;
  return c;
}

TEST(NpuDevice, TimingOnlyGivesTheSameCycles) {
  const ir::Gpt2Config c = small_gpt2(true);
  const Tensor ids = ir::gpt2_demo_ids(c);
  rt::Session f(ir::build_gpt2(c), npu_options("config=atom-like"), registry());
  f.run({ids});
  rt::Session t(ir::build_gpt2(small_gpt2(false)), npu_options("config=atom-like;timing_only=1"),
                registry());
  t.run({ids});
  EXPECT_GT(npu_cycles(f), 0u);
  EXPECT_EQ(npu_cycles(f), npu_cycles(t));
}

// Timing only reads no constant data: an Embedding whose position ids are a weight-less
// constant compiles and runs, and stands row i in for id i, so with positions 0..S-1 it takes
// exactly the cycles the functional run with those ids takes.
TEST(NpuDevice, TimingOnlyEmbeddingNeedsNoConstantIds) {
  const int64_t S = 12, D = 64, rows = 40;
  const auto graph = [&](bool with_data) {
    ir::GraphBuilder b("pos_embed");
    const ir::ValueId x = b.input("x", DType::F32, {1, S, D});
    Tensor table(DType::F32, {rows, D});
    for (int64_t i = 0; i < table.numel(); ++i)
      table.data_as<float>()[i] = 0.01f * static_cast<float>(i % 17);
    Tensor pos(DType::I64, {1, S});
    for (int64_t i = 0; i < S; ++i) pos.data_as<int64_t>()[i] = i;
    const ir::ValueId p = with_data ? b.constant("positions", pos)
                                    : b.constant_placeholder("positions", DType::I64, {1, S});
    b.output(b.add_(x, b.add1(ir::OpKind::Embedding, {b.constant("wpe", table), p}, {}, "pe")));
    return b.build();
  };
  Tensor x(DType::F32, {1, S, D});
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = 0.5f;
  rt::Session f(graph(true), npu_options(""), registry());
  f.run({x});
  rt::Session t(graph(false), npu_options("timing_only=1"), registry());
  for (size_t i = 0; i < t.graph().nodes().size(); ++i)
    EXPECT_EQ(t.devices()[t.plan().target_of_node[i]]->name(), "npu");
  t.run({x});
  EXPECT_GT(npu_cycles(t), 0u);
  EXPECT_EQ(npu_cycles(t), npu_cycles(f));
}

// Activations share memory through the compiler's planner: in a chain of six Relu on a
// [64 x 128] bf16 tensor (16 KiB each) at most two tensors are alive at once (a node's input
// and its output), so the partition uses 2 x 16 KiB of device memory where a bump allocator
// used 7 x 16 KiB; the numbers still come out right.
TEST(NpuDevice, ActivationsReuseMemoryThroughThePlanner) {
  ir::GraphBuilder b("relu_chain");
  ir::ValueId x = b.input("x", DType::F32, {64, 128});
  for (int i = 0; i < 6; ++i) x = b.add1(ir::OpKind::Relu, {x}, {}, "relu" + std::to_string(i));
  b.output(x);
  rt::Session s(b.build(), npu_options(""), registry());
  Tensor in(DType::F32, {64, 128});
  for (int64_t i = 0; i < in.numel(); ++i) in.data_as<float>()[i] = float(i % 9) - 4.0f;
  const Tensor out = s.run({in})[0];
  for (int64_t i = 0; i < in.numel(); ++i)
    ASSERT_EQ(out.data_as<float>()[i], std::max(0.0f, in.data_as<float>()[i])) << i;
  const fs::path dir = fs::temp_directory_path() / "nuri_npu_reuse_test";
  fs::create_directories(dir);
  const auto files = s.write_reports((dir / "r").string(), "");
  ASSERT_EQ(files.size(), 1u);
  std::ifstream f(files[0]);
  const nlohmann::json j = nlohmann::json::parse(f);
  EXPECT_EQ(j["weight_bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["dram_bytes_used"].get<uint64_t>(), 2u * 64 * 128 * 2);
  fs::remove_all(dir);
}

TEST(NpuDevice, CommandLevelDramUnderTheNpu) {
  const ir::Gpt2Config c = small_gpt2(false);
  rt::Session s(ir::build_gpt2(c), npu_options("config=atom-like;timing_only=1;dram=HBM2"),
                registry());
  s.run({ir::gpt2_demo_ids(c)});
  for (const auto& ps : s.last_stats()) {
    if (ps.device != "npu") continue;
    EXPECT_GT(ps.stats.cycles, 0u);
    EXPECT_GT(ps.stats.bytes_moved, 0u);
    // Never faster than the DRAM preset's peak bandwidth allows for the bytes it moved.
    const double peak = sim::dram::DramConfig::preset("HBM2").peak_bytes_per_ns();
    EXPECT_GE(ps.stats.elapsed_ns, static_cast<double>(ps.stats.bytes_moved) / peak);
  }
}

TEST(NpuDevice, ReportsTraceAndRoofline) {
  const ir::Gpt2Config c = small_gpt2(false);
  rt::Session s(ir::build_gpt2(c), npu_options("config=rngd-like;timing_only=1"), registry());
  s.run({ir::gpt2_demo_ids(c)});
  const fs::path dir = fs::temp_directory_path() / "nuri_npu_device_test";
  fs::create_directories(dir);
  const auto files = s.write_reports((dir / "report").string(), (dir / "trace").string());
  ASSERT_FALSE(files.empty());
  const auto cfg = sim::npu::preset_config("rngd-like");
  const double macs_per_cycle = static_cast<double>(cfg.peak_macs_per_cycle());
  const double bytes_per_cycle = cfg.memory.aggregate_gbps() / cfg.clock_ghz();  // B/ns / GHz
  int reports = 0, traces = 0, ops = 0;
  for (const std::string& f : files) {
    std::ifstream in(f);
    const nlohmann::json j = nlohmann::json::parse(in);  // throws if not JSON
    if (j.contains("traceEvents")) {
      ++traces;
      EXPECT_FALSE(j["traceEvents"].empty());
      continue;
    }
    ++reports;
    EXPECT_EQ(j["device"], "npu");
    EXPECT_GT(j["total_cycles"].get<uint64_t>(), 0u);
    EXPECT_TRUE(j.contains("cores"));
    for (const auto& op : j["ops"]) {
      ++ops;
      const double cycles = op["cycles"].get<double>();
      // Roofline: no op beats the array peak or the off-chip bandwidth.
      const double compute_bound = op["macs"].get<double>() / macs_per_cycle;
      const double memory_bound = op["dram_bytes"].get<double>() / bytes_per_cycle;
      EXPECT_GE(cycles, std::floor(compute_bound)) << op["label"];
      EXPECT_GE(cycles, std::floor(memory_bound)) << op["label"];
    }
  }
  EXPECT_GE(reports, 1);
  EXPECT_GE(traces, 1);
  EXPECT_GT(ops, 10);
  fs::remove_all(dir);
}

TEST(NpuDevice, UnsupportedOpsFallBack) {
  ir::GraphBuilder b("mm_tanh_mm");
  const ir::ValueId x = b.input("x", DType::F32, {8, 16});
  Tensor w(DType::F32, {16, 16});
  for (int64_t i = 0; i < w.numel(); ++i) w.data_as<float>()[i] = 0.05f * float((i * 7) % 11 - 5);
  const ir::ValueId wv = b.constant("w", w);
  const ir::ValueId y = b.add1(ir::OpKind::Tanh, {b.matmul(x, wv)}, {}, "tanh");
  b.output(b.matmul(y, wv));
  rt::Session s(b.build(), npu_options(""), registry());
  const ir::Graph& g = s.graph();
  for (size_t i = 0; i < g.nodes().size(); ++i)
    EXPECT_EQ(s.devices()[s.plan().target_of_node[i]]->name(),
              g.nodes()[i].op == ir::OpKind::Tanh ? "ref" : "npu");
  Tensor in(DType::F32, {8, 16});
  for (int64_t i = 0; i < in.numel(); ++i) in.data_as<float>()[i] = float(i % 5) - 2.0f;
  const Tensor out = s.run({in})[0];
  // Reference in f32 on the host.
  std::vector<float> h(8 * 16), o(8 * 16);
  const float* W = w.data_as<float>();
  for (int r = 0; r < 8; ++r)
    for (int n = 0; n < 16; ++n) {
      float acc = 0;
      for (int k = 0; k < 16; ++k) acc += in.data_as<float>()[r * 16 + k] * W[k * 16 + n];
      h[r * 16 + n] = std::tanh(acc);
    }
  for (int r = 0; r < 8; ++r)
    for (int n = 0; n < 16; ++n) {
      float acc = 0;
      for (int k = 0; k < 16; ++k) acc += h[r * 16 + k] * W[k * 16 + n];
      o[r * 16 + n] = acc;
    }
  for (int i = 0; i < 8 * 16; ++i)  // bf16 operands, 16-term dot products: |err| < 2^-7 * sum
    EXPECT_NEAR(out.data_as<float>()[i], o[i], 0.02 + 0.02 * std::abs(o[i])) << i;
}

TEST(NpuDevice, WeightsBeyondDeviceMemoryNameTheTensor) {
  auto cfg = sim::npu::preset_config("atom-like");
  cfg.memory.capacity_bytes = 1 << 19;  // 512 KiB: less than the weights alone (~1 MiB)
  const fs::path path = fs::temp_directory_path() / "nuri_npu_tiny_memory.json";
  {
    std::ofstream f(path);
    f << sim::npu::config_to_json(cfg).dump();
  }
  try {
    rt::Session s(ir::build_gpt2(small_gpt2(false)),
                  npu_options("config=" + path.string() + ";timing_only=1"), registry());
    ADD_FAILURE() << "expected an out-of-memory error";
  } catch (const Error& e) {
    if (std::getenv("NURI_NPU_TEST_VERBOSE")) std::printf("%s\n", e.what());
    EXPECT_NE(std::string(e.what()).find("does not fit the device memory"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("tensor '"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

// A MatMul whose f32 result is a graph output is stored straight from the f32 accumulators:
// with bf16-exact operands (small integers; weights k/16 scaled by 1, 16 or 256, the scale
// varying along K so sums mix magnitudes) every product
// and partial sum is exact in f32 but needs up to ~13 significant bits, more than bf16's 8, so
// the outputs equal the exact reference only if no bf16 epilogue rounds them.
TEST(NpuDevice, F32MatMulOutputIsNotRoundedToBf16) {
  const int64_t M = 16, K = 32, N = 24;
  ir::GraphBuilder b("mm_f32");
  const ir::ValueId x = b.input("x", DType::F32, {M, K});
  Tensor w(DType::F32, {K, N});
  float* W = w.data_as<float>();
  for (int64_t i = 0; i < w.numel(); ++i)
    W[i] = float((i * 5) % 17 - 8) * 0.0625f * float(1 << (4 * ((i + i / N) % 3)));
  b.output(b.matmul(x, b.constant("w", w)));
  rt::Session s(b.build(), npu_options(""), registry());
  Tensor in(DType::F32, {M, K});
  for (int64_t i = 0; i < in.numel(); ++i) in.data_as<float>()[i] = float(i % 7 - 3);
  const Tensor out = s.run({in})[0];
  int not_bf16 = 0;
  for (int64_t r = 0; r < M; ++r)
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += double(in.data_as<float>()[r * K + k]) * W[k * N + n];
      EXPECT_EQ(double(out.data_as<float>()[r * N + n]), acc) << r << "," << n;
      const float f = static_cast<float>(acc);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      not_bf16 += (bits & 0xffff) != 0;
    }
  EXPECT_GT(not_bf16, M * N / 2);  // most results would have been rounded by a bf16 store
                                   // (349 of 384 for these operands)
}

}  // namespace
}  // namespace nuri
