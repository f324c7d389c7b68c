#include "devices/cpu/cpu_program.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>

#include "compiler/ir/verifier.h"
#include "compiler/memory/memory_plan.h"
#include "devices/cpu/planner.h"
#include "devices/cpu/step_exec.h"
#include "devices/cpu/thread_pool.h"
#include "kernels/cpu_fast/fast_attention.h"
#include "nuri/error.hpp"

namespace nuri::cpu {

bool cpu_has_bf16() {
  const auto isa = static_cast<int>(dnnl::get_effective_cpu_isa());
  return (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

namespace {

enum class Where { None, Arena, Input, Output, Constant };
struct Location {
  Where where = Where::None;
  size_t index = 0;  // input/output index, or arena offset
};

const char* kind_name(StepKind k) {
  switch (k) {
    case StepKind::Reference:
      return "ref";
    case StepKind::Matmul:
      return "matmul";
    case StepKind::Int8Matmul:
      return "int8-matmul";
    case StepKind::Gemv:
      return "matmul";
    case StepKind::Softmax:
      return "softmax";
    case StepKind::LayerNorm:
      return "layernorm";
    case StepKind::RMSNorm:
      return "rmsnorm";
    case StepKind::Activation:
      return "activation";
    case StepKind::Binary:
      return "binary";
    case StepKind::Attention:
      return "attention";
    case StepKind::Copy:
      return "copy";
  }
  return "?";
}

}  // namespace

struct CpuProgram::Impl {
  ir::Graph graph;
  CpuOptions options;
  ThreadPool pool;
  bool bf16 = false;
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<ir::NodeId> order;
  ProgramPlan plan;
  std::vector<Location> loc;                   // per root value
  std::vector<ir::NodeOperands> ref_operands;  // per step (Reference steps only)
  ir::ArenaPlan arena_plan;
  Tensor arena, scratchpad, bf16_a, attention_scratch;
  int64_t attention_floats = 0;
  RunBuffers rb;
  std::vector<double> seconds;  // per step, with options.profile

  Impl(ir::Graph g, CpuOptions o)
      : graph(std::move(g)), options(o), pool(o.threads, o.pin_threads) {}

  void compile();
  void pack_weights();
  void keep_constants();
  void bind_outputs();
  void plan_arena();
  void size_scratch();
};

void CpuProgram::Impl::compile() {
  ir::verify(graph);
  for (const ir::Value& v : graph.values())
    if (v.kind == ir::ValueKind::Constant && !v.data)
      throw Error(
          fmt::format("cpu: constant '{}' has no data (a timing-only graph cannot run "
                      "on the cpu device)",
                      v.name));
  order = graph.topo_order();
  bf16 = options.bf16 && cpu_has_bf16();
  pool.enter();  // oneDNN sizes its kernels by the team at primitive creation
  plan = plan_program(graph, order, options, bf16, engine);
  pack_weights();
  loc.assign(graph.values().size(), {});
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(loc.size()); ++v) {
    const ir::Value& val = graph.value(v);
    if (val.kind == ir::ValueKind::Constant) loc[v] = {Where::Constant, 0};
  }
  for (size_t i = 0; i < graph.inputs().size(); ++i) loc[graph.inputs()[i]] = {Where::Input, i};
  bind_outputs();
  plan_arena();
  size_scratch();
  for (const Step& s : plan.steps) {
    ir::NodeOperands io;
    if (s.kind == StepKind::Reference) {
      const ir::Node& n = graph.node(s.node);
      for (ir::ValueId in : n.inputs) {
        io.in_types.push_back(in == ir::kNoValue ? nullptr : &graph.value(in).type);
        io.in.push_back(nullptr);
      }
      for (ir::ValueId out : n.outputs) {
        io.out_types.push_back(&graph.value(out).type);
        io.out.push_back(nullptr);
      }
    }
    ref_operands.push_back(std::move(io));
  }
  keep_constants();
}

// Every matmul's constant weights, packed on options.pack_threads threads (one matmul per thread
// at a time, largest first): at a model's compile this is most of the work, memory-bound
// reorders of the weights into fresh (huge) pages.
// The packers are a team of their own, pinned one per core as the run's team is (threads the
// pinned run team starts would inherit its one core); oneDNN runs a reorder called inside the
// team on its calling thread alone.
void CpuProgram::Impl::pack_weights() {
  std::vector<OnednnMatmul*> jobs;
  for (Step& s : plan.steps)
    if (s.matmul && s.matmul->weights_pending()) jobs.push_back(s.matmul.get());
  std::stable_sort(jobs.begin(), jobs.end(), [](const OnednnMatmul* a, const OnednnMatmul* b) {
    return a->packed_weight_bytes() > b->packed_weight_bytes();
  });
  const int64_t threads = std::min<int64_t>(
      static_cast<int64_t>(jobs.size()),
      options.pack_threads > 0 ? options.pack_threads : ThreadPool::physical_cores());
  if (threads <= 1) {
    std::vector<float> staging;
    for (OnednnMatmul* m : jobs) m->pack_weights(staging);
    return;
  }
  // Exceptions must not leave an OpenMP region: the first is kept and rethrown after it.
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::vector<float>> staging(static_cast<size_t>(threads));  // one per thread
  {
    ThreadPool packers(static_cast<int>(threads), options.pin_threads);
    packers.parallel_tasks(static_cast<int64_t>(jobs.size()), [&](int64_t i, int thread) {
      try {
        jobs[static_cast<size_t>(i)]->pack_weights(staging[static_cast<size_t>(thread)]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  pool.enter();  // back to the run's team size and pinning
  if (failure) std::rethrow_exception(failure);
}

// Constants the steps read at run time must outlive compile: a borrowed one (a view of the
// device desc's data, ir::ConstantData::Borrow) is copied. A borrowed constant nothing reads
// (a weight packed into a primitive, or folded) is forgotten rather than left dangling.
void CpuProgram::Impl::keep_constants() {
  std::vector<bool> read(graph.values().size(), false);
  const auto mark = [&](ir::ValueId v) {
    if (v != ir::kNoValue && plan.root[v] != ir::kNoValue) read[plan.root[v]] = true;
  };
  for (const Step& s : plan.steps) {
    for (ir::ValueId v : s.reads) mark(v);
    for (const ViewRef* view : {&s.q, &s.k, &s.v, &s.out})
      if (view->root != ir::kNoValue) read[view->root] = true;
  }
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(read.size()); ++v) {
    ir::Value& val = graph.mutable_value(v);
    if (val.kind != ir::ValueKind::Constant || !val.data || !val.data->is_view()) continue;
    if (!read[v]) {
      val.data = nullptr;
      continue;
    }
    Tensor owned(val.data->dtype(), val.data->shape());
    if (owned.nbytes()) std::memcpy(owned.data(), val.data->data(), owned.nbytes());
    val.data = std::make_shared<const Tensor>(std::move(owned));
  }
}

// A graph output whose buffer is an intermediate nothing else claims is computed straight into
// the caller's output tensor; any other output (an input, a constant, a shared buffer) is
// copied there by a final step.
void CpuProgram::Impl::bind_outputs() {
  const auto& outs = graph.outputs();
  for (size_t j = 0; j < outs.size(); ++j) {
    const ir::ValueId r = plan.root[outs[j]];
    if (r == ir::kNoValue) throw Error(fmt::format("cpu: output {} is not materialized", j));
    const bool whole = plan.offset[outs[j]] == 0 &&
                       graph.value(outs[j]).type.nbytes() == graph.value(r).type.nbytes();
    if (loc[r].where == Where::None && whole) {
      loc[r] = {Where::Output, j};
      continue;
    }
    Step copy;
    copy.kind = StepKind::Copy;
    copy.node = -1;
    copy.reads = {outs[j]};
    copy.bytes = graph.value(outs[j]).type.nbytes();
    copy.output_index = static_cast<int>(j);
    plan.steps.push_back(std::move(copy));
  }
}

// Liveness over steps of each arena buffer (aliases share their root's buffer).
void CpuProgram::Impl::plan_arena() {
  const int64_t unset = -1;
  std::vector<int64_t> first(loc.size(), unset), last(loc.size(), unset);
  for (int64_t t = 0; t < static_cast<int64_t>(plan.steps.size()); ++t) {
    const Step& s = plan.steps[t];
    for (const auto* list : {&s.reads, &s.writes})
      for (ir::ValueId v : *list) {
        const ir::ValueId r = plan.root[v];
        if (r == ir::kNoValue || loc[r].where != Where::None) continue;
        if (first[r] == unset) first[r] = t;
        last[r] = std::max(last[r], t);
      }
  }
  std::vector<ir::ValueId> planned;
  std::vector<ir::BufferLifetime> lifetimes;
  for (ir::ValueId r = 0; r < static_cast<ir::ValueId>(loc.size()); ++r) {
    if (first[r] == unset) continue;
    planned.push_back(r);
    lifetimes.push_back({graph.value(r).type.nbytes(), first[r], last[r]});
  }
  arena_plan = ir::plan_arena(lifetimes, 64);
  for (size_t i = 0; i < planned.size(); ++i)
    loc[planned[i]] = {Where::Arena, arena_plan.offsets[i]};
  arena = Tensor(DType::I8, {static_cast<int64_t>(arena_plan.peak_bytes)});
}

void CpuProgram::Impl::size_scratch() {
  size_t pad = 0;
  int64_t a16 = 0;
  for (const Step& s : plan.steps) {
    if (s.matmul) {
      pad = std::max(pad, s.matmul->scratchpad_bytes());
      if (s.matmul->bf16()) a16 = std::max(a16, s.matmul->a_elements());
    }
    if (s.int8_matmul) pad = std::max(pad, s.int8_matmul->scratchpad_bytes());
    if (s.kind == StepKind::Attention)
      attention_floats = std::max(attention_floats, fast::attention_scratch_floats(s.attn));
  }
  attention_floats = (attention_floats + 15) / 16 * 16;  // keep each thread's slice aligned
  scratchpad = Tensor(DType::I8, {static_cast<int64_t>(pad)});
  bf16_a = Tensor(DType::BF16, {a16});
  attention_scratch = Tensor(DType::F32, {attention_floats * pool.threads()});
  rb.pool = &pool;
  rb.stream = &stream;
  rb.scratchpad = scratchpad.data();
  rb.bf16_a = bf16_a.data_as<uint16_t>();
  rb.attention_scratch = attention_scratch.data_as<float>();
  rb.attention_floats = attention_floats;
  rb.ptr.assign(graph.values().size(), nullptr);
}

CpuProgram::CpuProgram(ir::Graph graph, CpuOptions options)
    : impl_(std::make_unique<Impl>(std::move(graph), options)) {
  impl_->compile();
}

CpuProgram::~CpuProgram() = default;

std::vector<Tensor> CpuProgram::run(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outputs;
  run(inputs, outputs);
  return outputs;
}

void CpuProgram::run(const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs) {
  Impl& m = *impl_;
  const auto& graph_inputs = m.graph.inputs();
  if (inputs.size() != graph_inputs.size())
    throw Error(fmt::format("cpu: graph '{}' takes {} inputs, got {}", m.graph.name(),
                            graph_inputs.size(), inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = m.graph.value(graph_inputs[i]);
    if (inputs[i].dtype() != v.type.dtype || inputs[i].shape() != v.type.shape)
      throw Error(fmt::format("cpu: input '{}' must be {}, got {}{}", v.name, ir::type_str(v.type),
                              dtype_name(inputs[i].dtype()), shape_str(inputs[i].shape())));
  }
  const auto& graph_outputs = m.graph.outputs();
  outputs.resize(graph_outputs.size());
  for (size_t j = 0; j < graph_outputs.size(); ++j) {
    const ir::TensorType& t = m.graph.value(graph_outputs[j]).type;
    if (outputs[j].dtype() != t.dtype || outputs[j].shape() != t.shape)
      outputs[j] = Tensor(t.dtype, t.shape);
  }
  std::vector<const void*> in(inputs.size());
  std::vector<void*> out(outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) in[i] = inputs[i].data();
  for (size_t j = 0; j < outputs.size(); ++j) out[j] = outputs[j].data();
  run(in, out);
}

void CpuProgram::run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) {
  Impl& m = *impl_;
  if (inputs.size() != m.graph.inputs().size() || outputs.size() != m.graph.outputs().size())
    throw Error(fmt::format("cpu: graph '{}' takes {} inputs and {} outputs, got {} and {}",
                            m.graph.name(), m.graph.inputs().size(), m.graph.outputs().size(),
                            inputs.size(), outputs.size()));
  // Resolve every value's address for this run.
  auto* arena = static_cast<std::byte*>(m.arena.data());
  for (ir::ValueId v = 0; v < static_cast<ir::ValueId>(m.rb.ptr.size()); ++v) {
    const ir::ValueId r = m.plan.root[v];
    std::byte* p = nullptr;
    if (r != ir::kNoValue) {
      const Location& l = m.loc[r];
      switch (l.where) {
        case Where::Arena:
          p = arena + l.index;
          break;
        case Where::Input:
          p = static_cast<std::byte*>(const_cast<void*>(inputs[l.index]));
          break;
        case Where::Output:
          p = static_cast<std::byte*>(outputs[l.index]);
          break;
        case Where::Constant:  // null for a constant no step reads (keep_constants)
          if (const auto& data = m.graph.value(r).data)
            p = static_cast<std::byte*>(const_cast<void*>(data->data()));
          break;
        case Where::None:
          break;
      }
      if (p) p += m.plan.offset[v];  // a slice of its root, or its part of a concat
    }
    m.rb.ptr[v] = p;
  }
  m.rb.outputs = &outputs;
  m.pool.enter();
  m.seconds.resize(m.plan.steps.size(), 0.0);
  for (size_t i = 0; i < m.plan.steps.size(); ++i) {
    Step& s = m.plan.steps[i];
    const auto t0 = m.options.profile ? std::chrono::steady_clock::now()
                                      : std::chrono::steady_clock::time_point{};
    execute_step(s, s.node >= 0 ? &m.graph.node(s.node) : nullptr, &m.ref_operands[i], m.rb);
    if (m.options.profile)
      m.seconds[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  m.stream.wait();
}

const ir::Graph& CpuProgram::graph() const {
  return impl_->graph;
}
int CpuProgram::threads() const {
  return impl_->pool.threads();
}
bool CpuProgram::bf16_active() const {
  return impl_->bf16;
}
size_t CpuProgram::peak_bytes() const {
  return impl_->arena_plan.peak_bytes;
}
size_t CpuProgram::unshared_bytes() const {
  return impl_->arena_plan.total_bytes;
}

std::vector<double> CpuProgram::profile() const {
  std::vector<double> s = impl_->seconds;
  s.resize(impl_->plan.steps.size(), 0.0);
  return s;
}

std::vector<std::string> CpuProgram::describe() const {
  std::vector<std::string> lines;
  for (const Step& s : impl_->plan.steps) {
    std::string line = kind_name(s.kind);
    if (s.node >= 0) line += " " + impl_->graph.node(s.node).name;
    for (ir::NodeId f : s.fused) line += "+" + impl_->graph.node(f).name;
    if (s.matmul)
      line += fmt::format(" [{}{}]", s.matmul->impl_name(), s.matmul->bf16() ? ", bf16" : "");
    if (s.int8_matmul) line += fmt::format(" [{}]", s.int8_matmul->impl_name());
    if (s.gemv) line += s.gemv->int8() ? " [gemv, int8 weights]" : " [gemv]";
    if (s.streaming_out) line += " [streamed]";
    if (s.stream_present) line += " [present streamed]";
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace nuri::cpu
