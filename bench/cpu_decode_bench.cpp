// The GPT-2-small block's decode step (1 new token over a 512-entry KV cache) on the cpu device,
// from the same ONNX file and reference tensors ONNX Runtime is timed on
// (/work/shared/ort-baseline: export_onnx.py writes them, bench_ort.js times ORT). Checks y and
// present against the PyTorch references, then prints one JSON line like bench_ort.js's (median
// over repeated runs after a warm-up; the same step through a session on bound buffers), plus the
// per-step profile's kernel total and its largest steps (a second, profiled program, 20 runs), and
// the bound: reads of as many bytes as the step's weights take in the chosen format (a vector sum
// over the constants, on the widest ISA), interleaved with the timed steps so both see the same
// machine load and caches. The KV cache's bytes (past read, present written) at that read's
// bandwidth bound the attention steps; weights plus cache bound the step.
//   usage: cpu_decode_bench MODEL_DIR LAYERS [threads=1] [seconds=3] [case=decode_kv512]
//          [f32|f32-onednn|bf16|int8]
// (bf16: the matmuls' constant weights in bf16 where the CPU has AVX512-BF16/AMX; int8: weight-
// only int8 with per-column scales on the GEMV kernel; f32-onednn: f32 on oneDNN, not the GEMV).
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
#include "devices/cpu/host_peaks.h"
#include "kernels/cpu_fast/fast_gemv.h"
#include "nuri/error.hpp"
#include "runtime/session.h"

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

// Bytes of constants one step reads: matmul weights (rank-2 second operands) in `format`
// (f32 4 bytes, bf16 2, int8 1 plus a 4-byte scale per column), everything else f32.
int64_t step_weight_bytes(const nuri::ir::Graph& g, const std::string& format) {
  std::vector<bool> weight(g.values().size(), false);
  for (const auto& n : g.nodes())
    if ((n.op == nuri::ir::OpKind::MatMul || n.op == nuri::ir::OpKind::Gemm) && n.inputs.size() > 1)
      weight[n.inputs[1]] = true;
  int64_t bytes = 0;
  for (size_t id = 0; id < g.values().size(); ++id) {
    const auto& v = g.values()[id];
    if (v.kind != nuri::ir::ValueKind::Constant || !v.data) continue;
    if (!weight[id] || v.type.shape.size() != 2 || format == "f32")
      bytes += static_cast<int64_t>(v.data->nbytes());
    else if (format == "bf16")
      bytes += v.data->numel() * 2;
    else
      bytes += v.data->numel() + v.type.shape[1] * 4;
  }
  return bytes;
}

// Ms of one read of `bytes` of the graph's f32 constants (in graph order, each split over
// `threads` OpenMP threads like the step's work), on the GEMV kernels' vector ISA.
double weight_read_ms(const nuri::ir::Graph& g, int64_t bytes, int threads) {
  float total = 0;
  int64_t left = bytes / 4;
  const auto t0 = Clock::now();
  for (const auto& v : g.values()) {
    if (left <= 0) break;
    if (v.kind != nuri::ir::ValueKind::Constant || !v.data || v.type.dtype != nuri::DType::F32)
      continue;
    const int64_t n = std::min(left, v.data->numel());
    const float* p = v.data->data_as<float>();
#pragma omp parallel for num_threads(threads) reduction(+ : total) if (threads > 1)
    for (int t = 0; t < threads; ++t)
      total +=
          nuri::cpu::fast::sum_f32(p + n * t / threads, n * (t + 1) / threads - n * t / threads);
    left -= n;
  }
  const double ms = ms_since(t0);
  if (total == 12345.0f) fmt::print(stderr, " ");  // keep the sums
  return ms;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
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
    fmt::print(stderr,
               "usage: {} MODEL_DIR LAYERS [threads=1] [seconds=3] [case=decode_kv512] "
               "[f32|f32-onednn|bf16|int8]\n",
               argv[0]);
    return 2;
  }
  const std::string dir = argv[1], layers = argv[2];
  const int threads = argc > 3 ? std::stoi(argv[3]) : 1;
  const double target_s = argc > 4 ? std::stod(argv[4]) : 3.0;
  const std::string kase = argc > 5 ? argv[5] : "decode_kv512";
  const std::string format = argc > 6 ? argv[6] : "f32";
  if (format != "f32" && format != "f32-onednn" && format != "bf16" && format != "int8")
    throw nuri::Error(
        "cpu_decode_bench: weight format must be f32, f32-onednn, bf16 or int8, got " + format);
  const bool bf16 = format == "bf16", int8 = format == "int8", gemv = format != "f32-onednn";
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
  // Non-temporal stores where the device would use them (outputs past the last-level cache).
  const auto llc = static_cast<int64_t>(nuri::cpu::host_peaks().llc_bytes);
  nuri::cpu::CpuProgram program(graph, {.threads = threads,
                                        .bf16 = bf16,
                                        .int8_weights = int8,
                                        .gemv = gemv,
                                        .pin_threads = false,
                                        .streaming_store_bytes = llc});
  const double compile_ms = ms_since(t0);

  std::vector<Tensor> outputs;
  program.run(inputs, outputs);
  const double err_y = max_abs_diff(outputs[0], y_ref);
  const double err_present = max_abs_diff(outputs[1], present_ref);
  for (int w = 0; w < 3; ++w) program.run(inputs, outputs);
  const std::string weights = int8 ? "int8" : program.bf16_active() ? "bf16" : "f32";
  const int64_t bytes = step_weight_bytes(graph, weights);
  // Steps interleaved with reads of as many bytes: both see the same machine load and caches.
  std::vector<double> ts, reads;
  const auto start = Clock::now();
  while (ts.size() < 10 || (ms_since(start) < target_s * 1000 && ts.size() < 2000)) {
    const auto a = Clock::now();
    program.run(inputs, outputs);
    ts.push_back(ms_since(a));
    reads.push_back(weight_read_ms(graph, bytes, threads));
  }
  const double median = median_of(ts), read_median = median_of(reads);
  std::sort(ts.begin(), ts.end());
  const size_t n = ts.size();

  // The same step as a library user's decode loop runs it: a session on the cpu device with
  // its inputs and outputs bound once (IO binding), so no step copies them.
  nuri::rt::SessionOptions session_options;
  session_options.device_options["cpu"] =
      fmt::format("threads={};pin=0;bf16={};int8={};gemv={}", threads, bf16 ? 1 : 0, int8 ? 1 : 0,
                  gemv ? 1 : 0);
  nuri::rt::Session session(graph, session_options);
  for (size_t i = 0; i < inputs.size(); ++i)
    session.bind_input(i, {inputs[i].dtype(), inputs[i].shape(), inputs[i].data()});
  for (size_t o = 0; o < outputs.size(); ++o)
    session.bind_output(o, {outputs[o].dtype(), outputs[o].shape(), outputs[o].data()});
  session.run_bound();
  const double session_err_y = max_abs_diff(outputs[0], y_ref);
  std::vector<double> bound_ts;
  const auto bound_start = Clock::now();
  while (bound_ts.size() < 10 ||
         (ms_since(bound_start) < target_s * 1000 && bound_ts.size() < 2000)) {
    const auto a = Clock::now();
    session.run_bound();
    bound_ts.push_back(ms_since(a));
  }

  // Where the time goes: a profiled program, a few runs; steps summed by kind.
  nuri::cpu::CpuProgram profiled(graph, {.threads = threads,
                                         .bf16 = bf16,
                                         .int8_weights = int8,
                                         .gemv = gemv,
                                         .pin_threads = false,
                                         .profile = true,
                                         .streaming_store_bytes = llc});
  const int profile_runs = 20;  // a few runs are noisy on a shared machine
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

  // The cache's bound: the past read once and the present written once, at the bandwidth the
  // weight reads measured (bytes per ms); the step's adds the weights to it.
  const auto kv_bytes = static_cast<double>(inputs[1].nbytes() + outputs[1].nbytes());
  const double read_bytes_per_ms = static_cast<double>(bytes) / read_median;
  const double step_bound_ms = (static_cast<double>(bytes) + kv_bytes) / read_bytes_per_ms;

  nlohmann::json out{{"runtime", "nuri-cpu"},
                     {"layers", std::stoi(layers)},
                     {"case", kase},
                     {"threads", threads},
                     {"weights", weights},
                     {"format", format},
                     {"median_ms", median},
                     {"min_ms", ts.front()},
                     {"p90_ms", ts[(n - 1) * 9 / 10]},
                     {"reps", n},
                     {"import_ms", import_ms},
                     {"compile_ms", compile_ms},
                     {"max_abs_err_y", err_y},
                     {"max_abs_err_present", err_present},
                     {"session_bound_median_ms", median_of(bound_ts)},
                     {"session_bound_max_abs_err_y", session_err_y},
                     {"weight_bytes", bytes},
                     {"weight_read_median_ms", read_median},
                     {"weight_stream_min_ms", *std::min_element(reads.begin(), reads.end())},
                     {"step_over_read_medians", median / read_median},
                     {"kv_bytes_moved", kv_bytes},
                     {"attention_bound_ms", kv_bytes / read_bytes_per_ms},
                     {"step_bound_ms", step_bound_ms},
                     {"step_over_bound_medians", median / step_bound_ms},
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
