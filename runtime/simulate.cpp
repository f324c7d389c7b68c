#include "runtime/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/deployment_model.h"
#include "runtime/run_timeline.h"
#include "runtime/session.h"
#include "runtime/timeline_report.h"

namespace nuri::rt {
namespace {

using nlohmann::json;

int npu_count(const Deployment& d) {
  for (const DeploymentDevice& dev : d.devices)
    if (dev.name == "npu") return dev.count;
  return 1;
}

// Phases run on several threads: a cpu device pinning its team would bind each phase's thread
// to the same first core, so a host partition of one phase would serialise them all.
constexpr const char* kCpuOptions = "pin=0";

SessionOptions session_options(const Deployment& d) {
  SessionOptions s;
  s.timing_only = true;  // only the timeline is used: no outputs read back
  s.devices.clear();
  for (const DeploymentDevice& dev : d.devices) {
    if (std::find(s.devices.begin(), s.devices.end(), dev.name) != s.devices.end())
      throw Error(fmt::format("deployment: device '{}' listed twice (use a count: {} x2)", dev.name,
                              dev.name));
    s.devices.push_back(dev.name);
    std::string opts;
    if (dev.name == "npu") opts = "timing_only=1;trace=0";
    // The KV cache is resident on the timeline (never over a link), so the pim must not charge
    // writing all of it into its banks every step either: only the new token's rows.
    if (dev.name == "pim") opts = "timing_only=1;kv_resident=1";
    if (!dev.preset.empty()) {
      if (opts.empty())
        throw Error(
            fmt::format("deployment: device '{}' takes no preset ('{}')", dev.name, dev.preset));
      opts += ";config=" + dev.preset;
    }
    if (!opts.empty()) s.device_options[dev.name] = opts;
  }
  s.device_options.emplace("cpu", kCpuOptions);  // listed or the fallback; it takes no preset
  s.placement_policy = ir::parse_placement_policy(d.policy);
  s.op_rules = d.op_rules;
  s.transfer_bytes_per_s = d.link.bandwidth_gbps * 1e9;
  return s;
}

// One simulated run's figures, as the timeline gives them (npu work split over the TP group).
struct PhaseRun {
  double time_ns = 0;
  std::vector<DeviceUse> devices;
  std::map<std::string, LinkUse> links;
  double allreduce_ns = 0;
  // Kept only when the phase goes into the trace: its ops are read from the devices' reports
  // once every phase has run (a decode step's offset is the prefill's time).
  std::unique_ptr<Session> session;
  RunTimeline run;
};

// Tensor parallelism over n NPUs (Megatron-style): each NPU does 1/n of the npu partitions'
// work, and every layer all-reduces its activations twice (after attention and after the MLP)
// around a ring over the link: 2(n-1)/n x bytes / bandwidth + 2(n-1) x latency each, on the
// critical path after the layer's compute.
double ring_allreduce_ns(const LinkModel& link, int n, uint64_t bytes) {
  if (n <= 1) return 0;
  return 2.0 * (n - 1) / n * static_cast<double>(bytes) / link.bandwidth_gbps +
         2.0 * (n - 1) * link.latency_ns;
}

PhaseRun run_phase(PhaseModel phase, const Deployment& d, bool keep_for_trace) {
  ir::BuiltinModel& m = phase.m;
  const int64_t tokens = m.batch * m.seq, layers = m.layers, d_model = m.d_model;
  const std::set<std::string> kv_cache = std::move(phase.kv_cache);
  auto owned = std::make_unique<Session>(std::move(m.graph), session_options(d));
  Session& session = *owned;
  // Timing only: the token ids (an embedding's DMA follows them); every other input (the KV
  // cache: gigabytes at long contexts; an ONNX model's hidden states) without data, as no
  // simulator reads it.
  std::vector<TensorView> inputs;
  for (ir::ValueId id : session.graph().inputs()) {
    const ir::Value& v = session.graph().value(id);
    const bool ids = kv_cache.count(v.name) == 0 && !m.ids.shape().empty() &&
                     v.type.dtype == m.ids.dtype() && v.type.shape == m.ids.shape();
    inputs.push_back({v.type.dtype, v.type.shape, ids ? m.ids.data() : nullptr});
  }
  session.run(inputs);
  RunTimeline run = session_timeline(session, d.link, d.host, kv_cache);
  const int n = npu_count(d);
  PhaseRun r;
  if (n > 1) {
    for (TimelineSpec::Task& t : run.spec.tasks)
      if (run.spec.devices[t.device].name == "npu") t.duration_ns /= n;
    run.timeline = schedule(run.spec, d.link);
    const uint64_t bytes = static_cast<uint64_t>(tokens * d_model) * 2;  // bf16 activations
    r.allreduce_ns = 2.0 * static_cast<double>(layers) * ring_allreduce_ns(d.link, n, bytes);
    LinkUse& ring = run.timeline.links["npu ring"];
    ring.transfers = static_cast<int>(2 * layers);
    ring.bytes = static_cast<uint64_t>(2 * layers) * bytes * 2 * (n - 1) / n;
    ring.busy_ns = r.allreduce_ns;
  }
  r.time_ns = run.timeline.end_ns_total + r.allreduce_ns;
  r.devices = device_use(session, run);
  if (n > 1)
    for (DeviceUse& u : r.devices)
      if (u.name == "npu") {
        u.bytes /= static_cast<uint64_t>(n);  // per NPU; energy stays the group's
      }
  r.links = run.timeline.links;
  if (keep_for_trace) {
    r.session = std::move(owned);
    r.run = std::move(run);
  }
  return r;
}

// Runs the prefill (phase 0) and one decode step per sampled context (phase i + 1) on up to
// `threads` threads (0: one per hardware thread). The phases are independent sessions and each
// result lands in its own slot, so nothing depends on the thread count or on which phase ends
// first. The first phase to fail (in phase order) is rethrown once all have stopped.
std::vector<PhaseRun> run_phases(PhaseModel prefill, const Deployment& d,
                                 const std::vector<int64_t>& contexts,
                                 const std::vector<std::string>& labels, int threads,
                                 bool want_trace, const SimulateProgress& progress) {
  const size_t n = 1 + contexts.size();
  std::vector<PhaseRun> out(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex progress_mutex;
  int done = 0;
  const auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n && !failed;) {
      try {
        const bool keep = want_trace && i < 2;  // the trace holds the prefill and one step
        out[i] = i == 0 ? run_phase(std::move(prefill), d, keep)
                        : run_phase(decode_step_model(d, contexts[i - 1]), d, keep);
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
      if (progress && !errors[i]) {
        const std::lock_guard<std::mutex> lock(progress_mutex);
        progress(++done, static_cast<int>(n), labels[i]);
      }
    }
  };
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const size_t helpers = std::min(n, static_cast<size_t>(threads)) - 1;
  std::vector<std::thread> pool;
  for (size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

// Context lengths the decode simulates: prompt .. prompt+generate-1, evenly.
std::vector<int64_t> decode_contexts(const Deployment& d) {
  const int64_t samples = std::min<int64_t>(d.decode_samples, d.generate);
  std::vector<int64_t> c;
  for (int64_t i = 0; i < samples; ++i)
    c.push_back(samples == 1
                    ? d.prompt
                    : d.prompt + (i * (d.generate - 1) + (samples - 1) / 2) / (samples - 1));
  c.erase(std::unique(c.begin(), c.end()), c.end());
  return c;
}

// Accumulates weight x run into totals.
struct Totals {
  double time_ns = 0, energy_j = 0, allreduce_ns = 0;
  std::map<std::string, DeviceUse> devices;
  std::map<std::string, LinkUse> links;
  void add(const PhaseRun& r, double w) {
    time_ns += w * r.time_ns;
    allreduce_ns += w * r.allreduce_ns;
    for (const DeviceUse& u : r.devices) {
      DeviceUse& t = devices[u.name];
      t.name = u.name;
      t.busy_ns += w * u.busy_ns;
      t.bytes += static_cast<uint64_t>(std::llround(w * static_cast<double>(u.bytes)));
      t.energy_joules += w * u.energy_joules;
      energy_j += w * u.energy_joules;
    }
    for (const auto& [name, use] : r.links) {
      LinkUse& l = links[name];
      l.bytes += static_cast<uint64_t>(std::llround(w * static_cast<double>(use.bytes)));
      l.busy_ns += w * use.busy_ns;
      l.transfers += static_cast<int>(std::llround(w * use.transfers));
    }
  }
};

json devices_json(const Totals& t, double over_ns, const Deployment& d) {
  json out = json::array();
  const auto add = [&](const DeviceUse& u, int count) {
    out.push_back({{"name", u.name},
                   {"count", count},
                   {"busy_ms", u.busy_ns / 1e6},
                   {"utilization", over_ns > 0 ? u.busy_ns / over_ns : 0.0},
                   {"bytes", u.bytes},
                   {"energy_mj", u.energy_joules * 1e3}});
  };
  for (const DeploymentDevice& dev : d.devices)
    if (auto it = t.devices.find(dev.name); it != t.devices.end()) add(it->second, dev.count);
  for (const auto& [name, u] : t.devices)  // the fallback device, when it took work
    if (u.busy_ns > 0 && std::none_of(d.devices.begin(), d.devices.end(),
                                      [&](const DeploymentDevice& x) { return x.name == name; }))
      add(u, 1);
  return out;
}

json links_json(const Totals& t, double over_ns) {
  json out = json::array();
  for (const auto& [name, l] : t.links)
    out.push_back({{"name", name},
                   {"bytes", l.bytes},
                   {"busy_ms", l.busy_ns / 1e6},
                   {"utilization", over_ns > 0 ? l.busy_ns / over_ns : 0.0},
                   {"transfers", l.transfers}});
  return out;
}

json phase_json(const Totals& t, const Deployment& d) {
  return {{"time_ms", t.time_ns / 1e6},
          {"energy_mj", t.energy_j * 1e3},
          {"allreduce_ms", t.allreduce_ns / 1e6},
          {"devices", devices_json(t, t.time_ns, d)},
          {"links", links_json(t, t.time_ns)}};
}

json deployment_json(const Deployment& d, const ir::BuiltinModel& m) {
  json model = d.onnx.empty() ? json{{"builtin", d.model}} : json{{"onnx", d.onnx}};
  if (!d.onnx.empty() && !d.onnx_dims.empty()) model["dims"] = d.onnx_dims;
  model.update(json{{"layers", m.layers},
                    {"d_model", m.d_model},
                    {"heads", m.heads},
                    {"vocab", m.vocab},
                    {"parameters", m.graph.parameter_count()}});
  json devices = json::array();
  for (const DeploymentDevice& dev : d.devices)
    devices.push_back({{"name", dev.name}, {"preset", dev.preset}, {"count", dev.count}});
  json placement =
      d.op_rules.empty() ? json(d.policy) : json{{"rules", d.op_rules}, {"other_ops", d.policy}};
  return {{"model", model},
          {"batch", d.batch},
          {"prompt", d.prompt},
          {"generate", d.generate},
          {"devices", devices},
          {"link",
           {{"name", d.link.name},
            {"bandwidth_gbps", d.link.bandwidth_gbps},
            {"latency_ns", d.link.latency_ns},
            {"source", d.link.source}}},
          {"host",
           {{"name", d.host.name},
            {"gflops", d.host.peak_flops_per_s / 1e9},
            {"bandwidth_gbps", d.host.bandwidth_bytes_per_s / 1e9},
            {"source", d.host.source}}},
          {"placement", placement}};
}

}  // namespace

std::vector<double> interpolation_weights(const std::vector<int64_t>& c, int64_t first,
                                          int64_t steps) {
  std::vector<double> w(c.size(), 0);
  for (int64_t ctx = first; ctx < first + steps; ++ctx) {
    if (c.size() == 1 || ctx <= c.front()) {
      w.front() += 1;
    } else if (ctx >= c.back()) {
      w.back() += 1;
    } else {
      const size_t i =
          static_cast<size_t>(std::upper_bound(c.begin(), c.end(), ctx) - c.begin()) - 1;
      const double f = static_cast<double>(ctx - c[i]) / static_cast<double>(c[i + 1] - c[i]);
      w[i] += 1 - f;
      w[i + 1] += f;
    }
  }
  return w;
}

const std::vector<GatedMetric>& gated_metrics() {
  static const std::vector<GatedMetric> m = {{"ttft_ms", false},
                                             {"tpot_ms", false},
                                             {"tokens_per_s", true},
                                             {"energy_per_token_mj", false}};
  return m;
}

SimulationResult simulate_deployment(const Deployment& d, bool want_trace,
                                     const SimulateProgress& progress, int threads) {
  check_deployment(d);
  const std::vector<int64_t> contexts = decode_contexts(d);
  SimulationResult res;
  PhaseModel prefill = prefill_model(d);
  const json deployment = deployment_json(d, prefill.m);
  std::vector<std::string> labels = {"prefill"};
  for (int64_t c : contexts) labels.push_back(fmt::format("decode step (context {})", c));
  std::vector<PhaseRun> phase =
      run_phases(std::move(prefill), d, contexts, labels, threads, want_trace, progress);
  const PhaseRun& pre = phase.front();
  if (want_trace)  // the prefill, then the first decode step after it
    for (size_t i = 0; i < std::min<size_t>(2, phase.size()); ++i)
      add_timeline_trace(res.trace, phase[i].run, timeline_ops(*phase[i].session, phase[i].run),
                         i == 0 ? 0 : pre.time_ns, labels[i]);
  Totals prefill_totals, decode_totals, all;
  prefill_totals.add(pre, 1);
  all.add(pre, 1);
  const std::vector<double> weights = interpolation_weights(contexts, d.prompt, d.generate);
  json step_ms = json::array();
  for (size_t i = 0; i < contexts.size(); ++i) {
    const PhaseRun& step = phase[i + 1];
    decode_totals.add(step, weights[i]);
    all.add(step, weights[i]);
    step_ms.push_back(
        {{"context", contexts[i]}, {"step_ms", step.time_ns / 1e6}, {"weight_steps", weights[i]}});
  }
  const double tokens = static_cast<double>(d.batch * d.generate);
  const double tpot_ms = decode_totals.time_ns / 1e6 / static_cast<double>(d.generate);
  json phases = {{"prefill", phase_json(prefill_totals, d)},
                 {"decode", phase_json(decode_totals, d)}};
  phases["prefill"]["tokens"] = d.batch * d.prompt;
  phases["decode"]["steps"] = d.generate;
  phases["decode"]["sampled_steps"] = step_ms;
  const bool kv_cache = decode_has_kv_cache(d);
  phases["decode"]["kv_cache"] = kv_cache;
  phases["decode"]["method"] =
      kv_cache ? "steps simulated at the sampled contexts (KV cache resident on its device); the "
                 "others interpolated piecewise-linearly"
               : "no KV cache (the model has no past inputs): each step re-runs the whole "
                 "sequence (seq = context + 1), simulated at the sampled contexts and "
                 "interpolated piecewise-linearly";
  res.summary = {
      {"schema", "nuri-simulate/1"},
      {"deployment", deployment},
      {"ttft_ms", pre.time_ns / 1e6},
      {"tpot_ms", tpot_ms},
      {"tokens_per_s", tpot_ms > 0 ? static_cast<double>(d.batch) * 1000.0 / tpot_ms : 0.0},
      {"energy_per_token_mj", all.energy_j * 1e3 / tokens},
      {"e2e_ms", all.time_ns / 1e6},
      {"devices", devices_json(all, all.time_ns, d)},
      {"links", links_json(all, all.time_ns)},
      {"phases", phases}};
  return res;
}

double simulate_decode_step_ns(const Deployment& d, int64_t context) {
  check_deployment(d);
  return run_phase(decode_step_model(d, context), d, false).time_ns;
}

}  // namespace nuri::rt
