// Wall time of the `pim` device through its ABI table (compile = weight layout + timing
// simulation; execute = numerics, or nothing but stats in timing-only mode):
//  - a 4096x4096 f16 GEMV on HBM-PIM: compile (target < 50 ms), functional execute;
//  - one Llama-2-7B decode step's GEMVs in timing-only mode (target < 2 s): one layer's program
//    (q, k, v, o 4096x4096; gate, up 11008x4096; down 4096x11008; decode attention, 32 heads x
//    128, KV cache 2048) compiled once and executed 32 times. The layers are identical, and the
//    7B model's 13 GB of f16 weights do not fit one 4 GiB HBM-PIM stack, so one layer is resident
//    at a time (a real system spreads layers over several stacks; time per layer is the same).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "compiler/abi/graph_desc.h"
#include "compiler/ir/builder.h"
#include "devices/pim/pim_device.h"
#include "nuri/error.hpp"

namespace {

using nuri::DType;
using nuri::ir::OpKind;

void check(nuri_status s, const nuri_error& err) {
  if (s != NURI_OK) throw nuri::Error(err.message, s);
}

// A pim device, one compiled graph and its buffers, straight on the ABI table.
class PimSession {
 public:
  PimSession(const nuri::ir::Graph& g, const char* options) : desc_(g) {
    err_.struct_size = sizeof(err_);
    check(api_->device_create(options, &dev_, &err_), err_);
    nuri_compile_args compile{sizeof(nuri_compile_args), desc_.get(), nullptr};
    check(api_->executable_compile(dev_, &compile, &err_), err_);
    exe_ = compile.executable;
    const nuri_graph_desc* d = desc_.get();
    const auto alloc = [&](int32_t v, std::vector<nuri_buffer_impl*>& to) {
      const nuri_value_desc& val = *d->values[v];
      uint64_t n = 2;
      for (int32_t i = 0; i < val.rank; ++i) n *= uint64_t(val.dims[i]);
      nuri_buffer_impl* b = nullptr;
      check(api_->buffer_alloc(dev_, n, &b, &err_), err_);
      to.push_back(b);
    };
    for (size_t i = 0; i < d->num_inputs; ++i) alloc(d->inputs[i], in_);
    for (size_t i = 0; i < d->num_outputs; ++i) alloc(d->outputs[i], out_);
  }
  ~PimSession() {
    for (auto* b : in_) api_->buffer_release(dev_, b);
    for (auto* b : out_) api_->buffer_release(dev_, b);
    api_->executable_release(dev_, exe_);
    api_->device_release(dev_);
  }
  nuri_exec_stats execute() {
    nuri_execute_args run{
        sizeof(nuri_execute_args), exe_, in_.data(), in_.size(), out_.data(), out_.size(), nullptr};
    check(api_->executable_execute(dev_, &run, &err_), err_);
    nuri_event_impl* ev = run.event;
    check(api_->event_wait(dev_, ev, &err_), err_);
    api_->event_release(dev_, ev);
    nuri_exec_stats s{};
    s.struct_size = sizeof(s);
    check(api_->executable_get_stats(dev_, exe_, &s, &err_), err_);
    return s;
  }

 private:
  const nuri_device_api* api_ = nuri::pim::pim_device_api();
  nuri::ir::GraphDesc desc_;
  nuri_error err_{};
  nuri_device_impl* dev_ = nullptr;
  nuri_executable_impl* exe_ = nullptr;
  std::vector<nuri_buffer_impl*> in_, out_;
};

nuri::ir::Graph gemv_graph(int64_t k, int64_t n, bool with_data) {
  nuri::ir::GraphBuilder b("gemv");
  const auto x = b.input("x", DType::F16, {1, k});
  const auto w = with_data ? b.constant("w", nuri::Tensor(DType::F16, {k, n}))
                           : b.constant_placeholder("w", DType::F16, {k, n});
  b.output(b.matmul(x, w));
  return b.build();
}

// The PIM-mapped nodes of one Llama-2-7B decoder layer at KV length 2048 (elementwise ops,
// norms and RoPE run on another device; their tensors arrive here as inputs).
nuri::ir::Graph llama_layer() {
  nuri::ir::GraphBuilder b("llama2_7b_layer");
  const int64_t d = 4096, ff = 11008, heads = 32, hd = 128, past = 2047;
  const auto w = [&](const char* name, int64_t k, int64_t n) {
    return b.constant_placeholder(name, DType::F16, {k, n});
  };
  const auto x = b.input("x_norm", DType::F16, {1, d});
  b.output(b.add1(OpKind::MatMul, {x, w("wq", d, d)}, {}, "q_proj"));
  b.output(b.add1(OpKind::MatMul, {x, w("wk", d, d)}, {}, "k_proj"));
  b.output(b.add1(OpKind::MatMul, {x, w("wv", d, d)}, {}, "v_proj"));
  const auto q = b.input("q_rope", DType::F16, {1, heads, 1, hd});
  const auto kn = b.input("k_rope", DType::F16, {1, heads, 1, hd});
  const auto vn = b.input("v_new", DType::F16, {1, heads, 1, hd});
  const auto pk = b.input("past_k", DType::F16, {1, heads, past, hd});
  const auto pv = b.input("past_v", DType::F16, {1, heads, past, hd});
  b.output(b.add(OpKind::Attention, {q, kn, vn, nuri::ir::kNoValue, pk, pv}, {}, 1, "attention")
               .front());
  const auto a = b.input("attn_flat", DType::F16, {1, d});
  b.output(b.add1(OpKind::MatMul, {a, w("wo", d, d)}, {}, "o_proj"));
  const auto x2 = b.input("x2_norm", DType::F16, {1, d});
  b.output(b.add1(OpKind::MatMul, {x2, w("w_gate", d, ff)}, {}, "gate_proj"));
  b.output(b.add1(OpKind::MatMul, {x2, w("w_up", d, ff)}, {}, "up_proj"));
  const auto h = b.input("swiglu", DType::F16, {1, ff});
  b.output(b.add1(OpKind::MatMul, {h, w("w_down", ff, d)}, {}, "down_proj"));
  return b.build();
}

void BM_PimDeviceGemv4096Compile(benchmark::State& state) {
  const nuri::ir::Graph g = gemv_graph(4096, 4096, false);
  double ns = 0;
  for (auto _ : state) {
    PimSession s(g, "config=HBM-PIM;timing_only=1");
    ns = s.execute().elapsed_ns;
  }
  state.counters["sim_time_us"] = ns * 1e-3;
}
BENCHMARK(BM_PimDeviceGemv4096Compile)->Unit(benchmark::kMillisecond);

void BM_PimDeviceGemv4096FunctionalExecute(benchmark::State& state) {
  PimSession s(gemv_graph(4096, 4096, true), "config=HBM-PIM");
  nuri_exec_stats st{};
  for (auto _ : state) st = s.execute();
  state.counters["sim_time_us"] = st.elapsed_ns * 1e-3;
  state.counters["sim_flops_per_s"] = 2.0 * 4096 * 4096 / (st.elapsed_ns * 1e-9);
}
BENCHMARK(BM_PimDeviceGemv4096FunctionalExecute)->Unit(benchmark::kMillisecond);

void BM_PimDeviceLlama2DecodeStep(benchmark::State& state) {
  const nuri::ir::Graph layer = llama_layer();
  double step_ns = 0, energy = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    PimSession s(layer, state.range(0) ? "timing_only=1;kv_resident=1" : "timing_only=1");
    step_ns = 0;
    energy = 0;
    bytes = 0;
    for (int l = 0; l < 32; ++l) {
      const nuri_exec_stats st = s.execute();
      step_ns += st.elapsed_ns;
      energy += st.energy_joules;
      bytes += st.bytes_moved;
    }
  }
  state.counters["sim_time_us"] = step_ns * 1e-3;
  state.counters["sim_energy_mj"] = energy * 1e3;
  state.counters["sim_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_PimDeviceLlama2DecodeStep)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("kv_resident")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
