// The GPT-2-small block's decode step (1 new token over a 512-entry KV cache) on the cpu device,
// from the same ONNX file and reference tensors ONNX Runtime is timed on
// (/work/shared/ort-baseline: export_onnx.py writes them, bench_ort.js times ORT). Checks y and
// present against the PyTorch references, then prints one JSON line like bench_ort.js's (median
// over repeated runs after a warm-up), plus the per-step profile's kernel total and its largest
// steps (a second, profiled program), and the bound: the fastest of several reads of every
// weight once (a sum over the constants' bytes), measured in the same run since the machine's
// bandwidth varies with its load.
//   usage: cpu_decode_bench MODEL_DIR LAYERS [threads=1] [seconds=3] [case=decode_kv512] [f32|bf16]
// (bf16: the matmuls' constant weights in bf16 where the CPU has AVX512-BF16/AMX).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "compiler/frontend/onnx/onnx_model.h"
#include "devices/cpu/cpu_program.h"
#include "nuri/error.hpp"

namespace {

using nuri::Tensor;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

Tensor load_bin(const std::string& file, const nlohmann::json& shape) {
  nuri::Shape s = shape.get<nuri::Shape>();
  Tensor t(nuri::DType::F32, s);
  std::ifstream f(file, std::ios::binary);
  if (!f) throw nuri::Error("cpu_decode_bench: cannot open " + file);
  f.read(static_cast<char*>(t.data()), static_cast<std::streamsize>(t.nbytes()));
  if (static_cast<size_t>(f.gcount()) != t.nbytes())
    throw nuri::Error("cpu_decode_bench: " + file + " is shorter than its shape says");
  return t;
}

// Fastest ms over `reps` of summing every f32 constant of the graph (one pass over the weights,
// four independent 16-float vector sums so the adds keep up with memory).
double weight_stream_ms(const nuri::ir::Graph& g, int reps) {
  typedef float V __attribute__((vector_size(64)));
  std::vector<double> ts;
  V total{};
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (const auto& v : g.values()) {
      if (v.kind != nuri::ir::ValueKind::Constant || !v.data || v.type.dtype != nuri::DType::F32)
        continue;
      const float* p = v.data->data_as<float>();
      const int64_t n = v.data->numel();
      V a0{}, a1{}, a2{}, a3{}, x;
      int64_t i = 0;
      for (; i + 64 <= n; i += 64) {
        std::memcpy(&x, p + i, sizeof x);
        a0 += x;
        std::memcpy(&x, p + i + 16, sizeof x);
        a1 += x;
        std::memcpy(&x, p + i + 32, sizeof x);
        a2 += x;
        std::memcpy(&x, p + i + 48, sizeof x);
        a3 += x;
      }
      total += a0 + a1 + a2 + a3;
    }
    ts.push_back(ms_since(t0));
  }
  if (total[0] == 12345.0f) fmt::print(stderr, " ");  // keep the sums
  return *std::min_element(ts.begin(), ts.end());
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, double(std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i])));
  return m;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    fmt::print(
        stderr,
        "usage: {} MODEL_DIR LAYERS [threads=1] [seconds=3] [case=decode_kv512] [f32|bf16]\n",
        argv[0]);
    return 2;
  }
  const std::string dir = argv[1], layers = argv[2];
  const int threads = argc > 3 ? std::stoi(argv[3]) : 1;
  const double target_s = argc > 4 ? std::stod(argv[4]) : 3.0;
  const std::string kase = argc > 5 ? argv[5] : "decode_kv512";
  const bool bf16 = argc > 6 && std::string(argv[6]) == "bf16";
  std::ifstream meta_file(fmt::format("{}/ref_L{}.json", dir, layers));
  if (!meta_file)
    throw nuri::Error(fmt::format("cpu_decode_bench: no {}/ref_L{}.json", dir, layers));
  const auto meta = nlohmann::json::parse(meta_file).at(kase);
  const auto ref = [&](const char* name) {
    return load_bin(dir + "/" + meta.at(name).at("file").get<std::string>(),
                    meta.at(name).at("shape"));
  };
  const std::vector<Tensor> inputs{ref("x"), ref("past")};
  const Tensor y_ref = ref("y"), present_ref = ref("present");

  auto t0 = Clock::now();
  const auto model =
      nuri::onnx::OnnxModel::load(fmt::format("{}/gpt2_block_L{}.onnx", dir, layers));
  const nuri::ir::Graph graph =
      model.specialize({{"x", inputs[0].shape()}, {"past", inputs[1].shape()}});
  const double import_ms = ms_since(t0);
  t0 = Clock::now();
  nuri::cpu::CpuProgram program(graph, {.threads = threads, .bf16 = bf16, .pin_threads = false});
  const double compile_ms = ms_since(t0);

  std::vector<Tensor> outputs;
  program.run(inputs, outputs);
  const double err_y = max_abs_diff(outputs[0], y_ref);
  const double err_present = max_abs_diff(outputs[1], present_ref);
  for (int w = 0; w < 3; ++w) program.run(inputs, outputs);
  std::vector<double> ts;
  const auto start = Clock::now();
  while (ts.size() < 10 || (ms_since(start) < target_s * 1000 && ts.size() < 2000)) {
    const auto a = Clock::now();
    program.run(inputs, outputs);
    ts.push_back(ms_since(a));
  }
  std::sort(ts.begin(), ts.end());
  const size_t n = ts.size();
  const double median = n % 2 ? ts[n / 2] : 0.5 * (ts[n / 2 - 1] + ts[n / 2]);

  // Where the time goes: a profiled program, a few runs; steps summed by kind.
  nuri::cpu::CpuProgram profiled(
      graph, {.threads = threads, .bf16 = bf16, .pin_threads = false, .profile = true});
  const int profile_runs = 5;
  profiled.run(inputs, outputs);
  const auto before = profiled.profile();
  const auto p0 = Clock::now();
  for (int r = 0; r < profile_runs; ++r) profiled.run(inputs, outputs);
  const double run_ms = ms_since(p0) / profile_runs;
  const auto after = profiled.profile();
  const auto steps = profiled.describe();
  std::map<std::string, double> by_kind;
  double kernels_ms = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double ms = (after[i] - before[i]) * 1000 / profile_runs;
    kernels_ms += ms;
    by_kind[steps[i].substr(0, steps[i].find(' '))] += ms;
  }
  nlohmann::json kinds;
  for (const auto& [k, ms] : by_kind) kinds[k] = std::round(ms * 1000) / 1000;
  std::vector<size_t> idx(steps.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(),
            [&](size_t a, size_t b) { return after[a] - before[a] > after[b] - before[b]; });
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < std::min<size_t>(6, idx.size()); ++i)
    top.push_back(
        {steps[idx[i]], std::round((after[idx[i]] - before[idx[i]]) * 1e6 / profile_runs) / 1000});

  nlohmann::json out{{"runtime", "nuri-cpu"},
                     {"layers", std::stoi(layers)},
                     {"case", kase},
                     {"threads", threads},
                     {"weights", program.bf16_active() ? "bf16" : "f32"},
                     {"median_ms", median},
                     {"min_ms", ts.front()},
                     {"p90_ms", ts[(n - 1) * 9 / 10]},
                     {"reps", n},
                     {"import_ms", import_ms},
                     {"compile_ms", compile_ms},
                     {"max_abs_err_y", err_y},
                     {"max_abs_err_present", err_present},
                     {"weight_stream_min_ms", weight_stream_ms(graph, 7)},
                     {"profiled_run_ms", run_ms},
                     {"profiled_kernels_ms", kernels_ms},
                     {"profiled_ms_by_kind", kinds},
                     {"profiled_top_steps_ms", top}};
  fmt::print("{}\n", out.dump());
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "cpu_decode_bench: {}\n", e.what());
  return 1;
}
