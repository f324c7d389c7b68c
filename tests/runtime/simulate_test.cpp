// nuri simulate's library part on a tiny Llama-shaped model: the summary's figures agree with
// each other and with their phases, decode interpolation weights, the TP ring all-reduce, and
// deployment JSON errors that name the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"

namespace nuri::rt {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

Deployment tiny() {
  return parse_deployment(R"({"model": {"builtin": "llama2-7b", "layers": 1, "d_model": 64,
                                        "heads": 2, "vocab": 128},
                              "prompt": 16, "generate": 8,
                              "devices": ["npu:atom-like", "pim"], "link": "pcie4-x16"})",
                          "test");
}

TEST(Simulate, SummaryFiguresAgreeWithTheirPhases) {
  const nlohmann::json s = simulate_deployment(tiny()).summary;
  const double ttft = s["ttft_ms"], tpot = s["tpot_ms"];
  ASSERT_GT(ttft, 0);
  ASSERT_GT(tpot, 0);
  const nlohmann::json& ph = s["phases"];
  EXPECT_DOUBLE_EQ(ttft, ph["prefill"]["time_ms"].get<double>());
  EXPECT_NEAR(tpot * 8, ph["decode"]["time_ms"].get<double>(), 1e-12);
  EXPECT_NEAR(s["tokens_per_s"].get<double>(), 1000.0 / tpot, 1e-9);  // batch 1
  const double energy =
      ph["prefill"]["energy_mj"].get<double>() + ph["decode"]["energy_mj"].get<double>();
  EXPECT_GT(energy, 0);
  EXPECT_NEAR(s["energy_per_token_mj"].get<double>(), energy / 8, 1e-12);
  EXPECT_NEAR(s["e2e_ms"].get<double>(), ttft + 8 * tpot, 1e-12);
  double busy = 0;
  for (const auto& d : s["devices"]) {
    EXPECT_LE(d["busy_ms"].get<double>(), s["e2e_ms"].get<double>() + 1e-12) << d["name"];
    busy += d["busy_ms"].get<double>();
  }
  EXPECT_GT(busy, 0);
  // The simulated time covers at least the ids going in and the logits coming back.
  EXPECT_FALSE(s["links"].empty());
}

TEST(Simulate, EqualDeploymentsGiveEqualBytes) {
  EXPECT_EQ(simulate_deployment(tiny()).summary.dump(), simulate_deployment(tiny()).summary.dump());
}

TEST(Simulate, TensorParallelNpusAddARingAllReducePerHalfLayer) {
  Deployment d = tiny();
  d.devices = {{"npu", "atom-like", 2}};
  const nlohmann::json s = simulate_deployment(d).summary;
  // Prefill: 2 all-reduces x 1 layer of 16 x 64 bf16 = 2048 bytes over 2 NPUs on PCIe 4.0:
  // 2(n-1)/n x 2048 / 31.5 + 2(n-1) x 500 ns = 65.016 + 1000 ns each.
  EXPECT_NEAR(s["phases"]["prefill"]["allreduce_ms"].get<double>(),
              2 * (2048.0 / 31.5 + 1000) / 1e6, 1e-12);
  const Deployment one = [&] {
    Deployment x = tiny();
    x.devices = {{"npu", "atom-like", 1}};
    return x;
  }();
  const nlohmann::json s1 = simulate_deployment(one).summary;
  EXPECT_DOUBLE_EQ(s1["phases"]["prefill"]["allreduce_ms"].get<double>(), 0);
  EXPECT_LT(s["devices"][0]["busy_ms"].get<double>(), s1["devices"][0]["busy_ms"].get<double>());
}

TEST(Simulate, DecodeStepsInterpolatePiecewiseLinearly) {
  // Contexts 10..20 between samples 10, 14, 20: 11 at 3/4 of 10 and 1/4 of 14, ...
  const std::vector<double> w = interpolation_weights({10, 14, 20}, 10, 11);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 1 + 0.75 + 0.5 + 0.25);
  EXPECT_DOUBLE_EQ(w[1], 0.25 + 0.5 + 0.75 + 1 + (5 + 4 + 3 + 2 + 1) / 6.0);
  EXPECT_NEAR(w[2], (1 + 2 + 3 + 4 + 5) / 6.0 + 1, 1e-12);
  EXPECT_EQ(interpolation_weights({7}, 7, 5), std::vector<double>{5});
}

TEST(Deployment, BadJsonNamesTheKey) {
  const auto refused = [](const std::string& text, const std::string& needle) {
    EXPECT_THAT([&] { parse_deployment(text, "'d.json'"); },
                ThrowsMessage<Error>(HasSubstr(needle)))
        << text;
  };
  refused(R"({"prompt": -4})", "deployment 'd.json': key 'prompt': expected a positive integer");
  refused(R"({"promt": 4})", "key 'promt': unknown");
  refused(R"({"devices": ["npu x"]})", "key 'devices[0]'");
  refused(R"({"devices": [{"name": "npu", "cores": 2}]})", "key 'devices[0].cores': unknown");
  refused(R"({"link": {"bandwidth_gbps": 8}})", "key 'link': link JSON: missing key 'latency_ns'");
  refused(R"({"placement": {"Matmul": "npu"}})", "key 'placement.Matmul': no op of that name");
  refused(R"({"placement": "fastest"})", "key 'placement': 'fastest' is not priority, cost");
  refused(R"({"model": {"onnx": 3}})", "key 'model.onnx': expected a string");
  refused(R"({"model": {"dims": {"n": "width"}}})",
          "key 'model.dims.n': 'width' is not batch, seq, past, total or a size");
  refused(R"({"model": {"layers": "two"}})", "key 'model.layers'");
  refused("{\"prompt\": ", "deployment 'd.json': not JSON");
  const Deployment d = parse_deployment(
      R"({"devices": ["npu:atom-like x2", {"name": "pim", "preset": "AiM"}],
          "placement": {"MatMul": "npu", "Attention": "pim"},
          "link": {"bandwidth_gbps": 100, "latency_ns": 50}})",
      "ok");
  ASSERT_EQ(d.devices.size(), 2u);
  EXPECT_EQ(d.devices[0].preset, "atom-like");
  EXPECT_EQ(d.devices[0].count, 2);
  EXPECT_EQ(d.devices[1].preset, "AiM");
  EXPECT_EQ(d.op_rules.at("Attention"), "pim");
  EXPECT_DOUBLE_EQ(d.link.transfer_ns(1000), 60);
  Deployment batched = d;
  batched.batch = 0;
  EXPECT_THAT([&] { check_deployment(batched); }, ThrowsMessage<Error>(HasSubstr("batch 0")));
  Deployment sized_onnx = d;
  sized_onnx.onnx = "m.onnx";
  sized_onnx.sizes.layers = 2;
  EXPECT_THAT([&] { check_deployment(sized_onnx); },
              ThrowsMessage<Error>(HasSubstr("shape a built-in model")));
}

TEST(Deployment, DeviceEntriesNameAPresetAndACount) {
  const DeploymentDevice plain = parse_deployment_device("npu");
  EXPECT_EQ(plain.name, "npu");
  EXPECT_EQ(plain.preset, "");
  EXPECT_EQ(plain.count, 1);
  const DeploymentDevice two = parse_deployment_device("  npu:atom-like x2 ");
  EXPECT_EQ(two.name, "npu");
  EXPECT_EQ(two.preset, "atom-like");
  EXPECT_EQ(two.count, 2);
  EXPECT_EQ(parse_deployment_device("pim:cfg.json x 4").count, 4);
  for (const char* bad : {"", "npu:", "n pu", "npu x", "npu x two", "npu x 2 3", "np!u"})
    EXPECT_THAT([&] { parse_deployment_device(bad); },
                ThrowsMessage<Error>(HasSubstr("must look like name[:preset][ xN]")))
        << bad;
  EXPECT_THAT([] { parse_deployment_device("npu x0"); },
              ThrowsMessage<Error>(HasSubstr("count must be at least 1")));
  EXPECT_THAT([] { parse_deployment_device("npu x99999999999999999999"); },
              ThrowsMessage<Error>(HasSubstr("count must be at most 1000000")));
}

}  // namespace
}  // namespace nuri::rt
