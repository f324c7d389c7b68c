#include "tools/nuri/bench_runner.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "nuri/error.hpp"
#include "runtime/session.h"
#ifdef NURI_HAVE_ONEDNN_BASELINE
#include <omp.h>

#include "tools/baselines/direct_onednn.h"
#endif

namespace nuri::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

std::string join_options(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + ";" + b;
}

// Adds `key=value` unless the user set `key`, if the device accepts it (devices reject options
// they do not know, and a plugin's cpu or simulator may not know this one).
std::string with_default(rt::DeviceRegistry& registry, const std::string& device,
                         const std::string& options, const std::string& key,
                         const std::string& value) {
  if ((";" + options).find(";" + key + "=") != std::string::npos) return options;
  const std::string extended = join_options(options, key + "=" + value);
  try {
    registry.create(device, extended);
    return extended;
  } catch (const Error&) {
    return options;
  }
}

// The weight of a MatMul/Gemm case as [K, N] (Gemm's transB undone), or null.
struct MatmulShape {
  int64_t m = 1, n = 0, k = 0;
  bool trans_b = false;
};
std::optional<MatmulShape> matmul_shape(const BenchCase& c) {
  if (c.inputs.size() != 2 || !c.inputs[1].constant || c.inputs[0].constant) return std::nullopt;
  const Shape& a = c.inputs[0].type.shape;
  const Shape& w = c.inputs[1].type.shape;
  if (c.inputs[0].type.dtype != DType::F32 || w.size() != 2 || a.size() < 2) return std::nullopt;
  MatmulShape s;
  if (c.op == ir::OpKind::Gemm) {
    if (c.attrs.get_int("transA", 0) != 0 || c.attrs.get_float("alpha", 1.0) != 1.0)
      return std::nullopt;
    s.trans_b = c.attrs.get_int("transB", 0) != 0;
  } else if (c.op != ir::OpKind::MatMul) {
    return std::nullopt;
  }
  for (size_t i = 0; i + 1 < a.size(); ++i) s.m *= a[i];
  s.k = a.back();
  s.n = s.trans_b ? w[0] : w[1];
  return s;
}

// The row ops oneDNN has a primitive for: over the last axis of an f32 input, LayerNorm
// with scale and shift.
enum class RowOp { Softmax, LayerNorm, GeluErf, GeluTanh };
std::optional<RowOp> row_op(const BenchCase& c) {
  if (c.inputs.empty() || c.inputs[0].constant || c.inputs[0].type.dtype != DType::F32 ||
      c.inputs[0].type.shape.empty())
    return std::nullopt;
  const auto rank = static_cast<int64_t>(c.inputs[0].type.shape.size());
  const auto last_axis = [&] {
    const int64_t axis = c.attrs.get_int("axis", -1);
    return axis == -1 || axis == rank - 1;
  };
  switch (c.op) {
    case ir::OpKind::Softmax:
      return last_axis() ? std::optional(RowOp::Softmax) : std::nullopt;
    case ir::OpKind::LayerNorm:
      return last_axis() && c.inputs.size() == 3 ? std::optional(RowOp::LayerNorm) : std::nullopt;
    case ir::OpKind::Gelu:
      return c.attrs.get_string("approximate", "none") == "tanh" ? RowOp::GeluTanh : RowOp::GeluErf;
    default:
      return std::nullopt;
  }
}

// oneDNN called directly on the same case, on an OpenMP team of `threads`: its matmul, or its
// softmax, layer normalization or GELU primitive.
class OnednnReference {
 public:
  OnednnReference(const BenchCase& c, int threads) {
#ifdef NURI_HAVE_ONEDNN_BASELINE
    omp_set_num_threads(threads);
    if (const auto s = matmul_shape(c)) {
      weights_ = seeded_tensor({DType::F32, {s->k, s->n}}, 100);
      src_ = seeded_tensor({DType::F32, {s->m, s->k}}, 1);
      dst_ = Tensor(DType::F32, {s->m, s->n});
      mm_ = std::make_unique<baselines::DirectMatmul>(s->m, s->n, s->k, weights_.data_as<float>(),
                                                      src_.data_as<float>(), dst_.data_as<float>());
      return;
    }
    using Kind = baselines::DirectRowOp::Kind;
    const Shape& shape = c.inputs[0].type.shape;
    const int64_t cols = shape.back();
    src_ = seeded_tensor({DType::F32, shape}, 1);
    dst_ = Tensor(DType::F32, shape);
    weights_ = seeded_tensor({DType::F32, {cols}}, 100);
    bias_ = seeded_tensor({DType::F32, {cols}}, 101);
    const RowOp op = *row_op(c);
    const Kind kind = op == RowOp::Softmax     ? Kind::Softmax
                      : op == RowOp::LayerNorm ? Kind::LayerNorm
                      : op == RowOp::GeluErf   ? Kind::GeluErf
                                               : Kind::GeluTanh;
    row_ = std::make_unique<baselines::DirectRowOp>(
        kind, src_.numel() / cols, cols, src_.data_as<float>(), dst_.data_as<float>(),
        weights_.data_as<float>(), bias_.data_as<float>(),
        static_cast<float>(c.attrs.get_float("epsilon", 1e-5)));
#else
    (void)c;
    (void)threads;
    throw Error("--compare onednn: this build has no oneDNN baseline");
#endif
  }
  void run() {
#ifdef NURI_HAVE_ONEDNN_BASELINE
    if (mm_) mm_->run();
    if (row_) row_->run();
#endif
  }

 private:
  Tensor weights_, bias_, src_, dst_;
#ifdef NURI_HAVE_ONEDNN_BASELINE
  std::unique_ptr<baselines::DirectMatmul> mm_;
  std::unique_ptr<baselines::DirectRowOp> row_;
#endif
};

// memcpy of a tensor's bytes, split over `threads` threads: what the memory delivers for one
// stream read and one written, the access pattern of the memory-bound ops.
class CopyReference {
 public:
  CopyReference(size_t bytes, int threads)
      : src_(bytes, std::byte{1}), dst_(bytes, std::byte{0}), threads_(std::max(1, threads)) {}
  void run() {
    const size_t n = src_.size();
    if (threads_ == 1) {
      std::memcpy(dst_.data(), src_.data(), n);
      return;
    }
    std::vector<std::thread> team;
    for (int t = 0; t < threads_; ++t) {
      const size_t lo = n * t / threads_, hi = n * (t + 1) / threads_;
      team.emplace_back([this, lo, hi] { std::memcpy(&dst_[lo], &src_[lo], hi - lo); });
    }
    for (std::thread& th : team) th.join();
  }
  size_t bytes_moved() const { return 2 * src_.size(); }

 private:
  std::vector<std::byte> src_, dst_;
  int threads_;
};

double device_ns(rt::Session& s) {
  double ns = 0;
  for (const rt::PartitionStats& p : s.last_stats()) ns += p.stats.elapsed_ns;
  return ns;
}

}  // namespace

bool onednn_comparable(const BenchCase& c) {
  return matmul_shape(c).has_value() || row_op(c).has_value();
}

bool copy_comparable(const BenchCase& c) {
  return (c.op == ir::OpKind::Softmax || c.op == ir::OpKind::LayerNorm ||
          c.op == ir::OpKind::Gelu) &&
         !c.inputs.empty() && !c.inputs[0].constant;
}

BenchResult run_case(const BenchCase& c, const std::string& device, const BenchRunOptions& o,
                     rt::DeviceRegistry& registry) {
  BenchResult r;
  r.case_name = c.name;
  r.op = std::string(ir::op_name(c.op));
  r.device = device;
  r.flops = c.flops;
  r.bytes = c.bytes;
  r.occurrences = c.occurrences;
  try {
    if (!registry.has(device)) throw Error(fmt::format("no device '{}' is registered", device));
    std::string options;
    if (auto it = o.device_options.find(device); it != o.device_options.end()) options = it->second;
    auto dev = registry.create(device, options);
    const nuri_device_properties props = dev->properties();
    r.simulated = props.simulated != 0;
    if (props.kind == NURI_DEVICE_KIND_CPU && !r.simulated) {
      options = with_default(registry, device, options, "threads", std::to_string(o.threads));
      // Unpinned, as oneDNN direct is: a pinned thread cannot dodge other jobs on its core,
      // which would bias the comparison on a shared machine.
      options = with_default(registry, device, options, "pin", "0");
    }
    // Simulators skip the numerics when they can: the time is the same and large shapes stay
    // quick. A simulator without the option runs functionally on seeded data.
    bool timing_only = false;
    if (r.simulated) {
      options = with_default(registry, device, options, "timing_only", "1");
      timing_only = (";" + options).find(";timing_only=1") != std::string::npos;
    }
    const DType dtype = c.inputs.empty() ? DType::F32 : c.inputs[0].type.dtype;
    r.peak_ops_per_s = props.peak_ops_per_s[static_cast<int>(dtype)];
    r.peak_bytes_per_s = props.memory_bandwidth_bytes_per_s;

    rt::SessionOptions so;
    so.devices = {device};
    so.fallback_device = device;
    so.strict = true;
    so.device_options[device] = options;
    rt::Session session(bench_graph(c, !timing_only), so, registry);
    const std::vector<Tensor> inputs = bench_inputs(c);
    // The cpu runs on bound memory (IO binding), as a library user's bound session does: its
    // kernels read the inputs and write the outputs where they lie. run(inputs) copies every
    // input per run, which times the kernel behind hundreds of MB of freshly dirtied lines.
    const bool bound = props.kind == NURI_DEVICE_KIND_CPU && !r.simulated;
    std::vector<Tensor> outputs;
    if (bound) {
      const ir::Graph& g = session.graph();
      for (size_t i = 0; i < inputs.size(); ++i)
        session.bind_input(i,
                           rt::TensorView{inputs[i].dtype(), inputs[i].shape(), inputs[i].data()});
      outputs.reserve(g.outputs().size());
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        const ir::TensorType& t = g.value(g.outputs()[i]).type;
        outputs.emplace_back(t.dtype, t.shape);
        session.bind_output(i, rt::TensorView{t.dtype, t.shape, outputs.back().data()});
      }
    }
    const auto run_once = [&] {
      if (bound)
        session.run_bound();
      else
        session.run(inputs);
    };

    std::unique_ptr<OnednnReference> reference;
    if (o.compare_onednn && !r.simulated && props.kind == NURI_DEVICE_KIND_CPU)
      if (onednn_comparable(c)) reference = std::make_unique<OnednnReference>(c, o.threads);
    std::unique_ptr<CopyReference> copy;
    if (o.compare_copy && !r.simulated && props.kind == NURI_DEVICE_KIND_CPU && copy_comparable(c))
      copy = std::make_unique<CopyReference>(c.inputs[0].type.nbytes(), o.threads);

    double host_ns = 0;
    for (int i = 0; i < std::max(1, o.warmup); ++i) {
      const auto t0 = Clock::now();
      run_once();
      host_ns = ns_since(t0);
      if (reference) reference->run();
      if (copy) copy->run();
    }
    // Simulated time is deterministic: one run per repetition is enough.
    r.iterations = r.simulated
                       ? 1
                       : static_cast<int>(std::clamp(
                             std::ceil(o.min_time_s * 1e9 / std::max(host_ns, 1.0)), 1.0, 10000.0));
    r.repetitions = std::max(1, o.repetitions);
    std::vector<double> dev_samples, host_samples, ref_samples, copy_samples;
    // Nuri and the reference alternate per repetition, so drifting machine load hits both.
    for (int rep = 0; rep < r.repetitions; ++rep) {
      double dev_sum = 0;
      const auto t0 = Clock::now();
      for (int it = 0; it < r.iterations; ++it) {
        run_once();
        dev_sum += device_ns(session);
      }
      host_samples.push_back(ns_since(t0) / r.iterations);
      dev_samples.push_back(dev_sum / r.iterations);
      if (reference) {
        const auto t1 = Clock::now();
        for (int it = 0; it < r.iterations; ++it) reference->run();
        ref_samples.push_back(ns_since(t1) / r.iterations);
      }
      if (copy) {
        const auto t1 = Clock::now();
        for (int it = 0; it < r.iterations; ++it) copy->run();
        copy_samples.push_back(ns_since(t1) / r.iterations);
      }
    }
    r.time = time_stats(dev_samples);
    r.host_time = time_stats(host_samples);
    if (reference) {
      r.reference_time = time_stats(ref_samples);
      r.ratio_to = "onednn";
      // The median of each repetition's own ratio: a load change between repetitions then
      // moves both times of a pair, not the ratio.
      std::vector<double> ratios;
      for (size_t i = 0; i < dev_samples.size(); ++i)
        if (dev_samples[i] > 0) ratios.push_back(ref_samples[i] / dev_samples[i]);
      if (!ratios.empty()) r.ratio = time_stats(ratios).median_ns;
    }
    if (copy && r.time.median_ns > 0) {
      // Each repetition's bandwidth as a fraction of its neighbouring copy's; the median of
      // those fractions is the percent of measured bandwidth.
      std::vector<double> fractions;
      for (size_t i = 0; i < dev_samples.size(); ++i)
        if (dev_samples[i] > 0 && copy_samples[i] > 0)
          fractions.push_back((r.bytes / dev_samples[i]) /
                              (static_cast<double>(copy->bytes_moved()) / copy_samples[i]));
      if (!fractions.empty())
        r.measured_bytes_per_s = r.bytes_per_s() / time_stats(fractions).median_ns;
    }
  } catch (const Error& e) {
    r.error = e.what();
  }
  return r;
}

}  // namespace nuri::cli
