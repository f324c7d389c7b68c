// u8 x s8 integer matmuls on the cpu engine (oneDNN's int8 matmul) against the f32 matmul at
// GPT-2 shapes: MatMulInteger (int32 out) and QLinearMatMul (requantized uint8 out), constant
// int8 weights. Wall-clock time per run, GOPS = 2*M*N*K per second; run with
// --benchmark_repetitions=N --benchmark_report_aggregates_only for medians. Args: M, N, K,
// threads.
#include <benchmark/benchmark.h>

#include "compiler/ir/builder.h"
#include "compiler/models/seeded_random.h"
#include "devices/cpu/cpu_program.h"

namespace {

using nuri::DType;
using nuri::Tensor;

// f32 in [-1, 1), or 8-bit integers over the dtype's whole range.
Tensor random_tensor(DType dt, nuri::Shape shape, uint64_t seed) {
  Tensor t(dt, std::move(shape));
  nuri::ir::SeededRandom rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (dt == DType::F32)
      t.data_as<float>()[i] = static_cast<float>(rng.uniform(-1, 1));
    else if (dt == DType::U8)
      t.data_as<uint8_t>()[i] = static_cast<uint8_t>(rng.integer(0, 256));
    else
      t.data_as<int8_t>()[i] = static_cast<int8_t>(rng.integer(-128, 128));
  }
  return t;
}

Tensor scalar(DType dt, double v) {
  Tensor t(dt, {});
  if (dt == DType::F32) *t.data_as<float>() = static_cast<float>(v);
  if (dt == DType::U8) *t.data_as<uint8_t>() = static_cast<uint8_t>(v);
  if (dt == DType::I8) *t.data_as<int8_t>() = static_cast<int8_t>(v);
  return t;
}

enum class Kind { F32, MatMulInteger, QLinearMatMul };

void engine_matmul(benchmark::State& state, Kind kind) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  using nuri::ir::OpKind;
  nuri::ir::GraphBuilder b;
  std::vector<Tensor> inputs;
  if (kind == Kind::F32) {
    const auto a = b.input("a", DType::F32, {m, k});
    b.output(b.matmul(a, b.constant("w", random_tensor(DType::F32, {k, n}, 2))));
    inputs.push_back(random_tensor(DType::F32, {m, k}, 1));
  } else {
    const auto a = b.input("a", DType::U8, {m, k});
    const auto a_zp = b.constant("a_zp", scalar(DType::U8, 128));
    const auto w = b.constant("w", random_tensor(DType::I8, {k, n}, 2));
    if (kind == Kind::MatMulInteger) {
      b.output(b.add1(OpKind::MatMulInteger, {a, w, a_zp}));
    } else {
      b.output(b.add1(
          OpKind::QLinearMatMul,
          {a, b.constant("a_scale", scalar(DType::F32, 0.02)), a_zp, w,
           b.constant("w_scale", scalar(DType::F32, 0.004)),
           b.constant("w_zp", scalar(DType::I8, 0)), b.constant("y_scale", scalar(DType::F32, 0.5)),
           b.constant("y_zp", scalar(DType::U8, 128))}));
    }
    inputs.push_back(random_tensor(DType::U8, {m, k}, 1));
  }
  nuri::cpu::CpuProgram program(b.build(), {.threads = threads, .pin_threads = false});
  if (kind != Kind::F32 && program.describe().front().rfind("int8-matmul", 0) != 0)
    return state.SkipWithError("not on oneDNN's int8 matmul");
  std::vector<Tensor> outputs;
  program.run(inputs, outputs);
  for (auto _ : state) {
    program.run(inputs, outputs);
    benchmark::DoNotOptimize(outputs[0].data());
  }
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * m * n * k / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(program.describe().front());
}

void BM_MatmulF32(benchmark::State& state) {
  engine_matmul(state, Kind::F32);
}
void BM_MatMulIntegerU8S8(benchmark::State& state) {
  engine_matmul(state, Kind::MatMulInteger);
}
void BM_QLinearMatMulU8S8(benchmark::State& state) {
  engine_matmul(state, Kind::QLinearMatMul);
}

// f32 and int8 at each shape back to back (the machine is shared; adjacent runs compare).
void register_all() {
  const int64_t shapes[][3] = {{128, 768, 768}, {128, 3072, 768}, {1, 768, 768}};
  for (const auto& sh : shapes)
    for (auto fn : {BM_MatmulF32, BM_MatMulIntegerU8S8, BM_QLinearMatMulU8S8}) {
      const char* name = fn == BM_MatmulF32           ? "MatmulF32"
                         : fn == BM_MatMulIntegerU8S8 ? "MatMulIntegerU8S8"
                                                      : "QLinearMatMulU8S8";
      benchmark::RegisterBenchmark(name, fn)
          ->Args({sh[0], sh[1], sh[2], 1})
          ->ArgNames({"M", "N", "K", "threads"})
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
