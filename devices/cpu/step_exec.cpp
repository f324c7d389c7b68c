#include "devices/cpu/step_exec.h"

#include <fmt/format.h>

#include <cstring>

#include "kernels/cpu_fast/fast_attention.h"
#include "kernels/cpu_fast/fast_ops.h"
#include "nuri/error.hpp"

namespace nuri::cpu {
namespace {

// Below this many elements (512 KB of f32) a chunk is not worth a thread: waking a sleeping
// (passive) OpenMP thread costs tens of microseconds, more than a 128 x 768 LayerNorm or Add
// takes on one core (measured: GPT-2 prefill at 2 threads, LayerNorm 2.5 -> 0.9 ms, Add 2.6
// -> 1.0).
constexpr int64_t kGrainElems = 131072;

const float* in_f32(const RunBuffers& rb, const Step& s, size_t i) {
  return reinterpret_cast<const float*>(rb.ptr[s.reads[i]]);
}
float* out_f32(const RunBuffers& rb, const Step& s) {
  return reinterpret_cast<float*>(rb.ptr[s.writes[0]]);
}
int64_t row_grain(int64_t cols) {
  return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(cols, 1));
}

void run_matmul(Step& s, RunBuffers& rb) {
  OnednnMatmul& mm = *s.matmul;
  size_t next = 1;
  const float* a = in_f32(rb, s, 0);
  const float* b = s.matmul_runtime_b ? in_f32(rb, s, next++) : nullptr;
  const float* addend = s.matmul_addend ? in_f32(rb, s, next++) : nullptr;
  const void* src = a;
  if (mm.bf16()) {
    uint16_t* dst = rb.bf16_a;
    rb.pool->parallel_for(
        mm.a_elements(),
        [&](int64_t i0, int64_t i1) { fast::f32_to_bf16(a + i0, dst + i0, i1 - i0); }, kGrainElems);
    src = dst;
  }
  mm.execute(*rb.stream, src, b, addend, out_f32(rb, s), rb.scratchpad);
}

void run_gemv(Step& s, RunBuffers& rb) {
  const float* addend = s.matmul_addend ? in_f32(rb, s, 1) : nullptr;
  s.gemv->execute(*rb.pool, in_f32(rb, s, 0), addend, out_f32(rb, s));
}

void run_int8_matmul(Step& s, RunBuffers& rb) {
  int32_t zp = s.a_zp;
  if (s.a_zp_from_input) {
    const std::byte* p = rb.ptr[s.reads[1]];
    zp = s.a_zp_unsigned ? static_cast<int32_t>(*reinterpret_cast<const uint8_t*>(p))
                         : static_cast<int32_t>(*reinterpret_cast<const int8_t*>(p));
  }
  s.int8_matmul->execute(*rb.stream, rb.ptr[s.reads[0]], zp, rb.ptr[s.writes[0]], rb.scratchpad);
}

// Per (batch, kv head) block: present holds the past's `past_rows` rows (copied unless present
// is the past's own memory), and rows [at, at + fresh_len) take the new keys/values (`fresh`, a
// strided view). Blocks are `present_rows` rows of `dim` floats apart in present.
struct CacheAppend {
  int64_t past_rows, present_rows, at, fresh_len, dim;
};
void append_cache(const float* past, const float* fresh, const fast::View4& fresh_stride,
                  float* present, const fast::AttentionArgs& a, const CacheAppend& c,
                  ThreadPool& pool) {
  const int64_t heads = a.kv_heads, dim = c.dim;
  pool.parallel_for(
      a.batch * heads,
      [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t b = i / heads, h = i % heads;
          float* dst = present + i * c.present_rows * dim;
          if (c.past_rows > 0 && dst != past + i * c.past_rows * dim)
            std::memcpy(dst, past + i * c.past_rows * dim, c.past_rows * dim * sizeof(float));
          for (int64_t t = 0; t < c.fresh_len; ++t)
            std::memcpy(
                dst + (c.at + t) * dim,
                fresh + b * fresh_stride.batch + h * fresh_stride.head + t * fresh_stride.pos,
                dim * sizeof(float));
        }
      },
      1);
}

void run_attention(Step& s, const ir::Node& node, RunBuffers& rb) {
  fast::AttentionArgs a = s.attn;
  const auto view = [&](const ViewRef& v) {
    return reinterpret_cast<float*>(rb.ptr[v.root]) + v.offset;
  };
  a.q = view(s.q);
  a.q_stride = s.q.stride;
  a.k = view(s.k);
  a.k_stride = s.k.stride;
  a.v = view(s.v);
  a.v_stride = s.v.stride;
  if (s.kv_cache) {
    // Attend over present: past ++ new, contiguous [B, Hkv, T, D] (the first rows of a cache
    // of capacity past_len when in place).
    float* pk = reinterpret_cast<float*>(rb.ptr[s.writes[1]]);
    float* pv = reinterpret_cast<float*>(rb.ptr[s.writes[2]]);
    const int64_t fresh = s.attn.q_len;
    int64_t at = s.past_len, t = a.kv_len;
    if (s.kv_in_place) {
      at = *reinterpret_cast<const int64_t*>(rb.ptr[s.reads[5]]);
      if (at < 0 || at + fresh > s.past_len)
        throw Error(fmt::format("cpu: node '{}': kv_len {} + {} new entries do not fit the "
                                "cache's capacity {}",
                                node.name, at, fresh, s.past_len),
                    NURI_ERROR_INVALID_ARGUMENT);
      t = s.past_len;
      a.kv_len = at + fresh;
    }
    if (!s.kv_in_place && fast::attention_copies_cache(a)) {
      // The kernel copies past to present as it reads it (one read of the past, not two).
      a.past_k = in_f32(rb, s, 3);
      a.past_v = in_f32(rb, s, 4);
      a.present_k = pk;
      a.present_v = pv;
      a.past_len = s.past_len;
      a.stream_present = s.stream_present;
    } else {
      append_cache(in_f32(rb, s, 3), a.k, a.k_stride, pk, a, {s.past_len, t, at, fresh, a.head_dim},
                   *rb.pool);
      append_cache(in_f32(rb, s, 4), a.v, a.v_stride, pv, a,
                   {s.past_len, t, at, fresh, a.v_head_dim}, *rb.pool);
      a.k = pk;
      a.k_stride = {a.kv_heads * t * a.head_dim, t * a.head_dim, a.head_dim};
      a.v = pv;
      a.v_stride = {a.kv_heads * t * a.v_head_dim, t * a.v_head_dim, a.v_head_dim};
    }
  }
  a.out = view(s.out);
  a.out_stride = s.out.stride;
  float* scratch = rb.attention_scratch;
  const int64_t per = rb.attention_floats;
  rb.pool->parallel_tasks(fast::attention_tasks(a), [&](int64_t task, int thread) {
    fast::attention_task(a, task, scratch + thread * per);
  });
}

}  // namespace

void execute_step(Step& s, const ir::Node* node, ir::NodeOperands* ref, RunBuffers& rb) {
  const int64_t cols = s.cols;
  switch (s.kind) {
    case StepKind::Reference: {
      size_t r = 0;
      for (size_t i = 0; i < ref->in.size(); ++i)
        ref->in[i] = ref->in_types[i] ? rb.ptr[s.reads[r++]] : nullptr;
      for (size_t i = 0; i < ref->out.size(); ++i) ref->out[i] = rb.ptr[s.writes[i]];
      ir::run_reference_node(*node, *ref);
      return;
    }
    case StepKind::Matmul:
      try {
        return run_matmul(s, rb);
      } catch (const dnnl::error& e) {
        throw Error(fmt::format("cpu: node '{}' (MatMul on oneDNN): {}", node->name, e.what()),
                    NURI_ERROR_INTERNAL);
      }
    case StepKind::Int8Matmul:
      try {
        return run_int8_matmul(s, rb);
      } catch (const dnnl::error& e) {
        throw Error(fmt::format("cpu: node '{}' ({} on oneDNN): {}", node->name,
                                ir::op_name(node->op), e.what()),
                    NURI_ERROR_INTERNAL);
      }
    case StepKind::Gemv:
      return run_gemv(s, rb);
    case StepKind::Attention:
      return run_attention(s, *node, rb);
    case StepKind::Softmax: {
      const float* x = in_f32(rb, s, 0);
      float* y = out_f32(rb, s);
      rb.pool->parallel_for(
          s.rows,
          [&](int64_t r0, int64_t r1) {
            fast::softmax_rows(x + r0 * cols, y + r0 * cols, r1 - r0, cols, s.streaming_out);
          },
          row_grain(cols));
      return;
    }
    case StepKind::LayerNorm:
    case StepKind::RMSNorm: {
      const float* x = in_f32(rb, s, 0);
      const float* g = in_f32(rb, s, 1);
      const float* b = s.reads.size() > 2 ? in_f32(rb, s, 2) : nullptr;
      float* y = out_f32(rb, s);
      const bool ln = s.kind == StepKind::LayerNorm;
      rb.pool->parallel_for(
          s.rows,
          [&](int64_t r0, int64_t r1) {
            if (ln)
              fast::layer_norm_rows(x + r0 * cols, g, b, y + r0 * cols, r1 - r0, cols, s.eps,
                                    s.streaming_out);
            else
              fast::rms_norm_rows(x + r0 * cols, g, y + r0 * cols, r1 - r0, cols, s.eps,
                                  s.streaming_out);
          },
          row_grain(cols));
      return;
    }
    case StepKind::Activation: {
      const float* x = in_f32(rb, s, 0);
      float* y = out_f32(rb, s);
      rb.pool->parallel_for(
          cols,
          [&](int64_t i0, int64_t i1) {
            fast::activation(s.act, x + i0, y + i0, i1 - i0, s.streaming_out);
          },
          kGrainElems);
      return;
    }
    case StepKind::Binary: {
      const float* a = in_f32(rb, s, 0);
      const float* b = in_f32(rb, s, 1);
      float* y = out_f32(rb, s);
      if (s.scalar_b) {
        const float bv = *b;
        rb.pool->parallel_for(
            cols,
            [&](int64_t i0, int64_t i1) {
              fast::binary_scalar(s.binary, a + i0, bv, y + i0, i1 - i0);
            },
            kGrainElems);
        return;
      }
      const int64_t bs = s.b_row_stride;
      rb.pool->parallel_for(
          s.rows,
          [&](int64_t r0, int64_t r1) {
            fast::binary_rows(s.binary, a + r0 * cols, b + r0 * bs, bs, y + r0 * cols, r1 - r0,
                              cols);
          },
          row_grain(cols));
      return;
    }
    case StepKind::Copy:
      std::memcpy((*rb.outputs)[s.output_index], rb.ptr[s.reads[0]], s.bytes);
      return;
  }
}

}  // namespace nuri::cpu
