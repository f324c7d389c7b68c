// The simulated timeline: overlap across devices, transfers over a modelled link (hand-derived
// ns), the host roofline, and a session placed on it end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "compiler/ir/builder.h"
#include "compiler/models/catalogue.h"
#include "runtime/host_model.h"
#include "runtime/link_model.h"
#include "runtime/run_timeline.h"
#include "runtime/timeline.h"
#include "runtime/timeline_report.h"

namespace nuri::rt {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// 10 GB/s = 10 bytes per ns, 100 ns per transfer.
LinkModel test_link() {
  return {"test", 10.0, 100.0, "test"};
}

// cpu (host memory), npu, pim.
TimelineSpec three_devices() {
  TimelineSpec s;
  s.devices = {{"cpu", true}, {"npu", false}, {"pim", false}};
  return s;
}

TEST(Timeline, IndependentPartitionsOnTwoDevicesOverlap) {
  TimelineSpec s = three_devices();
  s.values = {{"x", 1000, -1}, {"a", 400, 0}, {"b", 400, 1}, {"y", 64, 2}};
  s.tasks = {{"on npu", 1, 10000, {0}}, {"on pim", 2, 8000, {0}}, {"join", 0, 100, {1, 2}}};
  s.outputs = {3};
  const Timeline t = schedule(s, test_link());
  // x goes host->npu and host->pim on two links at once: 100 + 1000/10 = 200 ns each.
  EXPECT_DOUBLE_EQ(t.start_ns[0], 200);
  EXPECT_DOUBLE_EQ(t.start_ns[1], 200);  // not after the npu: the two overlap
  EXPECT_DOUBLE_EQ(t.end_ns[0], 10200);
  EXPECT_DOUBLE_EQ(t.end_ns[1], 8200);
  // a: npu->host 10200 + 100 + 40; b: pim->host 8200 + 140; the join waits for the later.
  EXPECT_DOUBLE_EQ(t.start_ns[2], 10340);
  EXPECT_DOUBLE_EQ(t.end_ns_total, 10440);  // y is produced in host memory: no transfer
  EXPECT_EQ(t.transfers.size(), 4u);
  EXPECT_DOUBLE_EQ(t.device_busy_ns[1] + t.device_busy_ns[2] + t.device_busy_ns[0], 18100);
  EXPECT_EQ(t.links.at("pim->host").bytes, 400u);
  EXPECT_DOUBLE_EQ(t.links.at("host->npu").busy_ns, 200);
}

TEST(Timeline, TransfersOnOneLinkQueueAndAValueMovesOncePerMemory) {
  TimelineSpec s = three_devices();
  s.values = {{"a", 1000, 0}, {"c", 2000, 0}, {"d", 8, 1}, {"e", 8, 2}};
  s.tasks = {{"produce", 1, 500, {}}, {"first", 2, 50, {0, 1}}, {"second", 2, 50, {0, 2}}};
  s.outputs = {3};
  const Timeline t = schedule(s, test_link());
  // a: 500 -> 700; c queues behind it on npu->pim: 700 + 100 + 200 = 1000.
  ASSERT_EQ(t.transfers.size(), 3u);  // a, c, then e back to the host; a not sent twice
  EXPECT_DOUBLE_EQ(t.transfers[0].end_ns, 700);
  EXPECT_DOUBLE_EQ(t.transfers[1].start_ns, 700);
  EXPECT_DOUBLE_EQ(t.start_ns[1], 1000);
  EXPECT_DOUBLE_EQ(t.start_ns[2], 1050);  // the pim is busy until then; a is already there
  EXPECT_DOUBLE_EQ(t.end_ns_total, 1100 + 100 + 0.8);
}

TEST(Timeline, ReadingALaterTaskIsAnError) {
  TimelineSpec s = three_devices();
  s.values = {{"late", 4, 1}};
  s.tasks = {{"early", 1, 1, {0}}, {"late", 1, 1, {}}};
  EXPECT_THAT([&] { schedule(s, test_link()); },
              ThrowsMessage<Error>(HasSubstr("task 'early' reads 'late' before task 1")));
}

TEST(LinkModel, PresetsAndJson) {
  const LinkModel pcie4 = parse_link("pcie4-x16");
  EXPECT_DOUBLE_EQ(pcie4.bandwidth_gbps, 31.5);
  // 1 MiB over PCIe 4.0 x16: 500 ns + 1048576 / 31.5 ns.
  EXPECT_NEAR(pcie4.transfer_ns(1 << 20), 500 + 33288.1, 0.1);
  EXPECT_DOUBLE_EQ(parse_link("pcie5-x16").bandwidth_gbps, 63.0);
  EXPECT_DOUBLE_EQ(parse_link("c2c").bandwidth_gbps, 450.0);
  EXPECT_DOUBLE_EQ(parse_link("cxl2-x16").latency_ns, 250.0);
  const LinkModel custom = parse_link(R"({"bandwidth_gbps": 8, "latency_ns": 20})");
  EXPECT_DOUBLE_EQ(custom.transfer_ns(80), 30);
  EXPECT_THAT([] { parse_link(R"({"latency_ns": 20})"); },
              ThrowsMessage<Error>(HasSubstr("missing key 'bandwidth_gbps'")));
  EXPECT_THAT([] { parse_link(R"({"bandwidth_gbps": 0, "latency_ns": 1})"); },
              ThrowsMessage<Error>(HasSubstr("'bandwidth_gbps' must be a positive number")));
  EXPECT_THAT([] { parse_link(R"({"bandwidth_gbps": 1, "latency_ns": 1, "lanes": 4})"); },
              ThrowsMessage<Error>(HasSubstr("unknown key 'lanes'")));
  EXPECT_THAT([] { parse_link("pcie9"); },
              ThrowsMessage<Error>(HasSubstr("link 'pcie9': not a preset (pcie4-x16")));
}

TEST(HostModel, RooflineOverConfiguredPeaks) {
  ir::GraphBuilder b("roofline");
  const auto x = b.input("x", DType::F32, {4, 8});
  const auto mm = b.matmul(x, b.constant("w", Tensor(DType::F32, {8, 16})));
  b.output(b.add1(ir::OpKind::Gelu, {mm}));
  const ir::Graph g = b.build();
  const HostModel m = parse_host(R"({"gflops": 1, "bandwidth_gbps": 1, "name": "unit"})");
  // 1 flop and 1 byte per ns. MatMul: 2*4*16*8 = 1024 flops vs (32+128+64)*4 = 896 bytes:
  // compute bound, 1024 ns.
  EXPECT_DOUBLE_EQ(m.node_ns(g, g.nodes()[0]), 1024);
  // Gelu: 64 flops vs 2*64*4 = 512 bytes: memory bound, 512 ns.
  EXPECT_DOUBLE_EQ(m.node_ns(g, g.nodes()[1]), 512);
  EXPECT_EQ(m.summary(), "host unit: roofline 1.0 GFLOP/s, 1.0 GB/s");
}

TEST(HostModel, PresetsDeriveFromTheirStatedParts) {
  // cores x clock x FMA units x lanes x 2; channels x MT/s x 8 bytes.
  const HostModel server = parse_host("server-16c");
  EXPECT_DOUBLE_EQ(server.peak_flops_per_s, 2048e9);
  EXPECT_DOUBLE_EQ(server.bandwidth_bytes_per_s, 307.2e9);
  const HostModel desktop = parse_host("desktop-8c");
  EXPECT_DOUBLE_EQ(desktop.peak_flops_per_s, 768e9);
  EXPECT_DOUBLE_EQ(desktop.bandwidth_bytes_per_s, 89.6e9);
  EXPECT_EQ(parse_host(kDefaultHost).name, "server-16c");
}

TEST(HostModel, BadSpecsAreRefusedNamingTheKey) {
  EXPECT_THAT([] { parse_host("laptop"); },
              ThrowsMessage<Error>(HasSubstr("host 'laptop': not a preset (server-16c")));
  EXPECT_THAT([] { parse_host(R"({"gflops": 0, "bandwidth_gbps": 1})"); },
              ThrowsMessage<Error>(HasSubstr("'gflops' must be a positive number")));
  EXPECT_THAT([] { parse_host(R"({"gflops": 1})"); },
              ThrowsMessage<Error>(HasSubstr("missing key 'bandwidth_gbps'")));
  EXPECT_THAT([] { parse_host(R"({"gflops": 1, "bandwidth_gbps": 1, "cores": 4})"); },
              ThrowsMessage<Error>(HasSubstr("unknown key 'cores'")));
}

// x @ w -> Relu on the npu simulator, Softmax on the cpu by a placement rule: the cpu starts
// when the relu's output has crossed the link, and costs what the host model says.
TEST(SessionTimeline, NpuThenHostOverTheLink) {
  ir::GraphBuilder b("npu_then_host");
  const auto x = b.input("x", DType::F32, {16, 64});
  const auto h = b.matmul(x, b.constant("w", Tensor(DType::F32, {64, 64})));
  const auto r = b.add1(ir::OpKind::Relu, {h}, {}, "relu");
  b.output(b.add1(ir::OpKind::Softmax, {r}, {}, "softmax"));
  SessionOptions opt;
  opt.devices = {"npu", "cpu"};
  opt.device_options["npu"] = "config=atom-like;timing_only=1";
  opt.op_rules = {{"Softmax", "cpu"}};
  Session session(b.build(), opt);
  session.run({Tensor(DType::F32, {16, 64})});
  ASSERT_EQ(session.partition_count(), 2u);
  const LinkModel link = test_link();
  const HostModel host = parse_host(kDefaultHost);
  const RunTimeline run = session_timeline(session, link, host);
  const Timeline& t = run.timeline;
  const double npu_ns = session.partition_stats(0).elapsed_ns;
  ASSERT_GT(npu_ns, 0);
  const double x_in = link.transfer_ns(16 * 64 * 4);  // host->npu
  EXPECT_DOUBLE_EQ(t.start_ns[0], x_in);
  EXPECT_DOUBLE_EQ(t.end_ns[0], x_in + npu_ns);
  EXPECT_DOUBLE_EQ(t.start_ns[1], x_in + npu_ns + link.transfer_ns(16 * 64 * 4));  // npu->host
  const ir::Graph& pg = session.partition_graph(1);
  EXPECT_NEAR(t.end_ns[1] - t.start_ns[1], host.node_ns(pg, pg.nodes()[0]), 1e-9);
  EXPECT_DOUBLE_EQ(t.end_ns_total, t.end_ns[1]);

  const std::vector<OpSpan> ops = timeline_ops(session, run);
  const nlohmann::json rep = timeline_report(session, run, ops);
  EXPECT_EQ(rep["schema"], "nuri-run-report/1");
  EXPECT_DOUBLE_EQ(rep["totals"]["time_ns"].get<double>(), t.end_ns_total);
  ASSERT_EQ(rep["devices"].size(), 2u);
  EXPECT_EQ(rep["devices"][0]["timed_by"], "simulator");
  EXPECT_THAT(rep["devices"][1]["timed_by"].get<std::string>(), HasSubstr("roofline"));
  EXPECT_EQ(rep["transfers"].size(), 2u);
  bool softmax_on_cpu = false, matmul_on_npu = false;
  for (const auto& o : rep["ops"]) {
    softmax_on_cpu |= o["op"] == "Softmax" && o["device"] == "cpu";
    matmul_on_npu |= o["op"] == "MatMul" && o["device"] == "npu";
    EXPECT_LE(o["end_ns"].get<double>(), t.end_ns_total + 1e-6);
  }
  EXPECT_TRUE(softmax_on_cpu);
  EXPECT_TRUE(matmul_on_npu);
  sim::ChromeTrace trace;
  add_timeline_trace(trace, run, ops, 0);
  std::set<int> pids;
  const nlohmann::json events = trace.to_json()["traceEvents"];
  for (const auto& e : events) pids.insert(e["pid"].get<int>());
  EXPECT_EQ(pids.size(), 4u);  // npu, cpu, host->npu, npu->host
}

// A rule's device takes the op where it claims it; a prefill's attention, which the pim
// declines (no past K/V), goes where the policy says instead of failing.
TEST(SessionTimeline, PlacementRuleYieldsWhereItsDeviceDeclines) {
  ir::ModelSizes sizes;
  sizes.layers = 1;
  sizes.d_model = 64;
  sizes.heads = 2;
  sizes.vocab = 128;
  sizes.seq = 4;
  ir::BuiltinModel m = ir::build_builtin_model("llama2-7b", sizes, 1, /*with_weights=*/false);
  SessionOptions opt;
  opt.devices = {"npu", "pim"};
  opt.device_options = {{"npu", "config=atom-like;timing_only=1"}, {"pim", "timing_only=1"}};
  opt.op_rules = {{"Attention", "pim"}, {"MatMul", "pim"}};
  const Session session(std::move(m.graph), opt);
  int attention = 0, matmul_on_pim = 0;
  for (size_t id = 0; id < session.graph().nodes().size(); ++id) {
    const ir::Node& n = session.graph().node(static_cast<ir::NodeId>(id));
    const std::string& dev = session.devices()[session.plan().target_of_node[id]]->name();
    if (n.op == ir::OpKind::Attention) {
      ++attention;
      EXPECT_EQ(dev, "npu");
    }
    if (n.op == ir::OpKind::MatMul && dev == "pim") ++matmul_on_pim;
  }
  EXPECT_EQ(attention, 1);
  EXPECT_GT(matmul_on_pim, 0);
}

TEST(SessionTimeline, PlacementRuleNamingAnUnknownOpOrDeviceIsRefused) {
  const auto graph = [] {
    ir::GraphBuilder b("g");
    b.output(b.add1(ir::OpKind::Relu, {b.input("x", DType::F32, {4})}));
    return b.build();
  };
  SessionOptions opt;
  opt.devices = {"cpu"};
  opt.op_rules = {{"Frobnicate", "cpu"}};
  EXPECT_THAT([&] { Session(graph(), opt); },
              ThrowsMessage<Error>(HasSubstr("no op named 'Frobnicate'")));
  opt.op_rules = {{"Relu", "pim"}};
  EXPECT_THAT([&] { Session(graph(), opt); },
              ThrowsMessage<Error>(HasSubstr("'pim' is not among the devices")));
}

}  // namespace
}  // namespace nuri::rt
