// nuri simulate's speed (issue 13's Performance goals): the Llama-2-7B-shaped 128 + 128 case on
// one NPU and one PIM (goal: under 10 s wall), GPT-2 small 128 + 128 on the NPU, and one
// Llama-2-7B decode step with 2048 tokens in the KV cache on npu and on npu + pim (goal: under
// 1 s). The headline is host wall time; the sim_* counters are the simulated results, for
// reference.
#include <benchmark/benchmark.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"

namespace {

nuri::rt::Deployment deployment(const char* model, const char* devices) {
  return nuri::rt::parse_deployment(std::string(R"({"model": ")") + model +
                                        R"(", "prompt": 128, "generate": 128, "devices": )" +
                                        devices + "}",
                                    "bench");
}

void simulate(benchmark::State& state, const char* model, const char* devices) {
  const nuri::rt::Deployment d = deployment(model, devices);
  nlohmann::json s;
  for (auto _ : state) s = nuri::rt::simulate_deployment(d).summary;
  state.counters["sim_ttft_ms"] = s["ttft_ms"].get<double>();
  state.counters["sim_tpot_ms"] = s["tpot_ms"].get<double>();
}

void decode_step(benchmark::State& state, const char* devices, int64_t context) {
  const nuri::rt::Deployment d = deployment("llama2-7b", devices);
  double ns = 0;
  for (auto _ : state) ns = nuri::rt::simulate_decode_step_ns(d, context);
  state.counters["sim_step_ms"] = ns / 1e6;
}

void BM_SimulateLlama2_7B_Npu_Pim(benchmark::State& state) {
  simulate(state, "llama2-7b", R"(["npu", "pim"])");
}
BENCHMARK(BM_SimulateLlama2_7B_Npu_Pim)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_SimulateGpt2Small_Npu(benchmark::State& state) {
  simulate(state, "gpt2-small", R"(["npu"])");
}
BENCHMARK(BM_SimulateGpt2Small_Npu)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_DecodeStepLlama2_7B_Ctx2048_Npu(benchmark::State& state) {
  decode_step(state, R"(["npu"])", 2048);
}
BENCHMARK(BM_DecodeStepLlama2_7B_Ctx2048_Npu)->Unit(benchmark::kSecond)->Iterations(1);

void BM_DecodeStepLlama2_7B_Ctx2048_Npu_Pim(benchmark::State& state) {
  decode_step(state, R"(["npu", "pim"])", 2048);
}
BENCHMARK(BM_DecodeStepLlama2_7B_Ctx2048_Npu_Pim)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
