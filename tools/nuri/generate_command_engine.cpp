#include "tools/nuri/generate_command_engine.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <span>
#include <unordered_map>

#include "devices/cpu/cpu_program.h"
#include "devices/ref/ref_program.h"
#include "nuri/error.hpp"
#include "runtime/session.h"

namespace nuri::cli {
namespace {

// A compiled graph run on raw buffers (inputs and outputs in graph order).
class StepProgram {
 public:
  virtual ~StepProgram() = default;
  virtual void run(const std::vector<const void*>& in, const std::vector<void*>& out) = 0;
  // Simulated seconds of the last run (simulator partitions; 0 elsewhere).
  virtual double simulated_s() const { return 0; }
};

class CpuStep : public StepProgram {
 public:
  CpuStep(ir::Graph g, int threads) : p_(std::move(g), {.threads = threads}) {}
  void run(const std::vector<const void*>& in, const std::vector<void*>& out) override {
    p_.run(in, out);
  }

 private:
  cpu::CpuProgram p_;
};

class RefStep : public StepProgram {
 public:
  explicit RefStep(ir::Graph g) : p_(std::move(g)) {}
  void run(const std::vector<const void*>& in, const std::vector<void*>& out) override {
    p_.run(std::span<const void* const>(in), std::span<void* const>(out));
  }

 private:
  ref::RefProgram p_;
};

// Any other device (a simulator in functional mode, a plugin) through a session, with the cpu
// device taking what it declines (an Attention with kv_len, for now). The buffers are bound to
// the session (IO binding) when they change, so the steps of the decode loop, which passes the
// same ones every time, copy neither the caches in nor the presents out.
class SessionStep : public StepProgram {
 public:
  SessionStep(ir::Graph g, const std::string& device, int threads) {
    for (ir::ValueId v : g.inputs()) types_.push_back(g.value(v).type);
    rt::SessionOptions o;
    o.devices = {device};
    o.device_options["cpu"] = fmt::format("threads={}", threads);
    session_ = std::make_unique<rt::Session>(std::move(g), o);
  }
  void run(const std::vector<const void*>& in, const std::vector<void*>& out) override {
    if (in != bound_in_ || out != bound_out_) {
      const ir::Graph& g = session_->graph();
      for (size_t i = 0; i < in.size(); ++i)
        session_->bind_input(i, {types_[i].dtype, types_[i].shape, in[i]});
      for (size_t j = 0; j < out.size(); ++j) {
        const ir::TensorType& t = g.value(g.outputs()[j]).type;
        session_->bind_output(j, {t.dtype, t.shape, out[j]});
      }
      bound_in_ = in;
      bound_out_ = out;
    }
    session_->run_bound();
    simulated_ns_ = 0;
    for (const rt::PartitionStats& p : session_->last_stats())
      if (p.stats.cycles > 0) simulated_ns_ += p.stats.elapsed_ns;
  }
  double simulated_s() const override { return simulated_ns_ * 1e-9; }

 private:
  std::vector<ir::TensorType> types_;
  std::unique_ptr<rt::Session> session_;
  std::vector<const void*> bound_in_;
  std::vector<void*> bound_out_;
  double simulated_ns_ = 0;
};

std::unique_ptr<StepProgram> compile(const std::string& device, ir::Graph g, int threads) {
  if (device == "cpu") return std::make_unique<CpuStep>(std::move(g), threads);
  if (device == "ref") return std::make_unique<RefStep>(std::move(g));
  return std::make_unique<SessionStep>(std::move(g), device, threads);
}

// Every data-less constant of `to` takes the data of the constant of the same name and type in
// `from` (the weights; small constants such as rotary tables are built with data either way).
void share_weights(const ir::Graph& from, ir::Graph& to) {
  std::unordered_map<std::string, ir::ValueId> by_name;
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(from.values().size()); ++v)
    if (from.value(v).kind == ir::ValueKind::Constant) by_name.emplace(from.value(v).name, v);
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(to.values().size()); ++v) {
    ir::Value& val = to.mutable_value(v);
    if (val.kind != ir::ValueKind::Constant || val.data) continue;
    const auto it = by_name.find(val.name);
    if (it == by_name.end() || from.value(it->second).type != val.type)
      throw Error(
          fmt::format("generate: the decode graph's weight '{}' is not in the prefill graph",
                      val.name),
          NURI_ERROR_INTERNAL);
    val.data = from.value(it->second).data;
  }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

GenerateResult generate(const GenerateOptions& o) {
  const int64_t prompt_len = static_cast<int64_t>(o.prompt.size());
  if (prompt_len < 1) throw Error("generate: the prompt is empty", NURI_ERROR_INVALID_ARGUMENT);
  if (o.max_new < 1)
    throw Error(fmt::format("--max-new {}: must be at least 1", o.max_new),
                NURI_ERROR_INVALID_ARGUMENT);
  const int64_t capacity = prompt_len + o.max_new;
  ir::ModelSizes prefill_sizes = o.sizes, decode_sizes = o.sizes;
  prefill_sizes.seq = prompt_len;
  prefill_sizes.kv_capacity = capacity;
  decode_sizes.seq = 1;
  decode_sizes.kv_capacity = capacity;
  ir::BuiltinModel prefill_model = ir::build_builtin_model(o.model, prefill_sizes, o.seed);
  // The decode graph shares the prefill's weights (same names, same seed): built weight-less,
  // its constants take the prefill's data instead of generating it all again.
  ir::BuiltinModel decode_model = ir::build_builtin_model(o.model, decode_sizes, o.seed, false);
  share_weights(prefill_model.graph, decode_model.graph);
  const int64_t vocab = prefill_model.vocab, layers = prefill_model.layers;
  for (int64_t id : o.prompt)
    if (id < 0 || id >= vocab)
      throw Error(fmt::format("prompt id {} is outside the vocabulary [0, {})", id, vocab),
                  NURI_ERROR_INVALID_ARGUMENT);

  // The cache: one buffer per layer for keys and for values, for the whole length.
  const ir::Graph& pg = prefill_model.graph;
  std::vector<Tensor> cache;
  GenerateResult r;
  for (size_t i = 3; i < pg.inputs().size(); ++i) {
    const ir::TensorType& t = pg.value(pg.inputs()[i]).type;
    cache.emplace_back(t.dtype, t.shape);
    r.cache_bytes += cache.back().nbytes();
  }
  if (static_cast<int64_t>(cache.size()) != 2 * layers)
    throw Error("generate: the built-in model's graph has no in-place KV cache",
                NURI_ERROR_INTERNAL);
  auto prefill = compile(o.device, std::move(prefill_model.graph), o.threads);
  auto decode = compile(o.device, std::move(decode_model.graph), o.threads);

  Tensor prefill_logits(DType::F32, {1, prompt_len, vocab}), logits(DType::F32, {1, 1, vocab});
  Tensor ids(DType::I64, {1, prompt_len}), positions(DType::I64, {1, prompt_len});
  for (int64_t i = 0; i < prompt_len; ++i) {
    ids.data_as<int64_t>()[i] = o.prompt[static_cast<size_t>(i)];
    positions.data_as<int64_t>()[i] = i;
  }
  int64_t kv_len = 0, token = 0, position = 0;
  // Inputs ids, positions, kv_len, then the caches; outputs logits, then the same caches.
  const auto bind = [&](const void* id_ptr, const void* pos_ptr, void* logits_ptr) {
    std::vector<const void*> in{id_ptr, pos_ptr, &kv_len};
    std::vector<void*> out{logits_ptr};
    for (Tensor& c : cache) {
      in.push_back(c.data());
      out.push_back(c.data());
    }
    return std::make_pair(in, out);
  };
  Sampler sampler(o.sampling);

  auto t0 = std::chrono::steady_clock::now();
  auto [pin, pout] = bind(ids.data(), positions.data(), prefill_logits.data());
  prefill->run(pin, pout);
  r.simulated_prefill_s = prefill->simulated_s();
  r.tokens.push_back(sampler.next(std::span<const float>(
      prefill_logits.data_as<float>() + (prompt_len - 1) * vocab, static_cast<size_t>(vocab))));
  r.prefill_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  auto [din, dout] = bind(&token, &position, logits.data());
  for (int64_t step = 1; step < o.max_new; ++step) {
    token = r.tokens.back();
    position = kv_len = prompt_len + step - 1;
    decode->run(din, dout);
    r.simulated_decode_s += decode->simulated_s();
    r.tokens.push_back(
        sampler.next(std::span<const float>(logits.data_as<float>(), static_cast<size_t>(vocab))));
    ++r.decode_steps;
  }
  r.decode_s = seconds_since(t0);
  return r;
}

}  // namespace nuri::cli
