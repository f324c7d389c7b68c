// nuri simulate's speed (issue 13's Performance goals): the Llama-2-7B-shaped 128 + 128 case on
// one NPU and one PIM (goal: under 10 s wall) and GPT-2 small 128 + 128 on the NPU. The headline
// is host wall time; sim_ttft_ms and sim_tpot_ms are the simulated results, for reference.
#include <benchmark/benchmark.h>

#include "runtime/deployment.h"
#include "runtime/simulate.h"

namespace {

void simulate(benchmark::State& state, const char* model, const char* devices) {
  const nuri::rt::Deployment d = nuri::rt::parse_deployment(
      std::string(R"({"model": ")") + model + R"(", "prompt": 128, "generate": 128, "devices": )" +
          devices + "}",
      "bench");
  nlohmann::json s;
  for (auto _ : state) s = nuri::rt::simulate_deployment(d).summary;
  state.counters["sim_ttft_ms"] = s["ttft_ms"].get<double>();
  state.counters["sim_tpot_ms"] = s["tpot_ms"].get<double>();
}

void BM_SimulateLlama2_7B_Npu_Pim(benchmark::State& state) {
  simulate(state, "llama2-7b", R"(["npu", "pim"])");
}
BENCHMARK(BM_SimulateLlama2_7B_Npu_Pim)->Unit(benchmark::kSecond)->Iterations(1);

void BM_SimulateGpt2Small_Npu(benchmark::State& state) {
  simulate(state, "gpt2-small", R"(["npu"])");
}
BENCHMARK(BM_SimulateGpt2Small_Npu)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
