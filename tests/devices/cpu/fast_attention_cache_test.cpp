// The fast attention kernel's decode path with a KV cache in separate past and present buffers:
// it copies the past into present while it reads it. present must equal concat(past, new)
// exactly, and the output must equal (bit for bit: the same arithmetic on the same values) the
// kernel's over the concatenated keys/values, and the reference kernel's within the f32
// tolerances of fast_kernels_test.cpp. On every ISA variant this CPU runs, with cached and
// non-temporal stores, and present rows off the 64-byte lines (the streamer's partial vectors).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/attention.h"
#include "kernels/cpu_fast/fast_attention.h"
#include "kernels/cpu_fast/isa.h"
#include "tests/devices/cpu/test_util.h"

namespace nuri::cpu::fast {
namespace {

using test::all_close;
using test::random_floats;

class FastAttentionCache : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!set_isa(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_name(GetParam());
  }
  void TearDown() override { set_isa(detected_isa()); }
};

struct CacheCase {
  int64_t b, hq, hkv, s, past, d, dv;
  bool causal;
};

// [B, H, rows, dim] contiguous from the past's rows then the new ones.
std::vector<float> concat_rows(const std::vector<float>& past, const std::vector<float>& fresh,
                               int64_t blocks, int64_t p, int64_t s, int64_t dim) {
  std::vector<float> all;
  for (int64_t i = 0; i < blocks; ++i) {
    all.insert(all.end(), past.begin() + i * p * dim, past.begin() + (i + 1) * p * dim);
    all.insert(all.end(), fresh.begin() + i * s * dim, fresh.begin() + (i + 1) * s * dim);
  }
  return all;
}

AttentionArgs dims(const CacheCase& c) {
  AttentionArgs a;
  a.batch = c.b;
  a.q_heads = c.hq;
  a.kv_heads = c.hkv;
  a.q_len = c.s;
  a.kv_len = c.past + c.s;
  a.head_dim = c.d;
  a.v_head_dim = c.dv;
  a.causal = c.causal;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  return a;
}

void run_all(const AttentionArgs& a, bool reverse) {
  std::vector<float> scratch(attention_scratch_floats(a));
  const int64_t n = attention_tasks(a);
  for (int64_t i = 0; i < n; ++i) attention_task(a, reverse ? n - 1 - i : i, scratch.data());
}

TEST_P(FastAttentionCache, CopiesPastIntoPresentWhileAttending) {
  const CacheCase cases[] = {
      {1, 12, 12, 1, 512, 64, 64, true},  // the GPT-2-small decode step
      {2, 4, 2, 1, 37, 13, 5, true},      // GQA: one query head per kv head copies
      {1, 3, 1, 2, 20, 32, 48, false},    // two query rows: the first row's passes copy
      {1, 2, 2, 2, 9, 16, 80, true},
      {1, 2, 2, 1, 0, 8, 8, true},  // no past: present is the new row alone
  };
  for (const CacheCase& c : cases) {
    AttentionArgs a = dims(c);
    ASSERT_TRUE(attention_copies_cache(a));
    const int64_t blocks = c.b * c.hkv, t = c.past + c.s;
    const auto q = random_floats(c.b * c.hq * c.s * c.d, 1, -2.0f, 2.0f);
    const auto pk = random_floats(blocks * c.past * c.d, 2, -2.0f, 2.0f);
    const auto pv = random_floats(blocks * c.past * c.dv, 3);
    const auto k = random_floats(blocks * c.s * c.d, 4, -2.0f, 2.0f);
    const auto v = random_floats(blocks * c.s * c.dv, 5);
    const auto all_k = concat_rows(pk, k, blocks, c.past, c.s, c.d);
    const auto all_v = concat_rows(pv, v, blocks, c.past, c.s, c.dv);

    // The kernel over the concatenation, and the reference kernel.
    a.q = q.data();
    a.q_stride = {c.hq * c.s * c.d, c.s * c.d, c.d};
    a.k = all_k.data();
    a.k_stride = {c.hkv * t * c.d, t * c.d, c.d};
    a.v = all_v.data();
    a.v_stride = {c.hkv * t * c.dv, t * c.dv, c.dv};
    std::vector<float> want(c.b * c.hq * c.s * c.dv), ref(want.size());
    a.out = want.data();
    a.out_stride = {c.hq * c.s * c.dv, c.s * c.dv, c.dv};
    run_all(a, false);
    kernels::AttentionDims rd{c.b, c.hq, c.hkv, c.s, t, c.d, c.dv, c.causal, a.scale};
    kernels::attention(rd, q.data(), all_k.data(), all_v.data(), {}, ref.data());

    for (bool stream : {false, true})
      for (int64_t shift : {0, 1}) {  // present 64-byte aligned (std::vector's) or a float off
        SCOPED_TRACE(::testing::Message() << "case b" << c.b << " h" << c.hq << "/" << c.hkv << " s"
                                          << c.s << " past" << c.past << " d" << c.d << "/" << c.dv
                                          << (stream ? " streamed" : "") << " shift " << shift);
        AttentionArgs f = a;
        f.k = k.data();
        f.k_stride = {c.hkv * c.s * c.d, c.s * c.d, c.d};
        f.v = v.data();
        f.v_stride = {c.hkv * c.s * c.dv, c.s * c.dv, c.dv};
        f.past_k = pk.data();
        f.past_v = pv.data();
        f.past_len = c.past;
        std::vector<float> present_k(all_k.size() + 16, -9.0f), present_v(all_v.size() + 16, -9.0f);
        f.present_k = present_k.data() + shift;
        f.present_v = present_v.data() + shift;
        f.stream_present = stream;
        std::vector<float> got(want.size(), -7.0f);
        f.out = got.data();
        run_all(f, true);
        EXPECT_EQ(std::vector<float>(f.present_k, f.present_k + all_k.size()), all_k);
        EXPECT_EQ(std::vector<float>(f.present_v, f.present_v + all_v.size()), all_v);
        EXPECT_EQ(present_k[all_k.size() + shift], -9.0f);  // nothing written past the end
        EXPECT_EQ(present_v[all_v.size() + shift], -9.0f);
        EXPECT_EQ(got, want);
        EXPECT_TRUE(
            all_close(got.data(), ref.data(), static_cast<int64_t>(got.size()), 2e-6, 1e-5));
      }
  }
}

TEST_P(FastAttentionCache, ManyQueryRowsLeaveTheCopyToTheCaller) {
  CacheCase c{1, 2, 2, 3, 8, 8, 8, true};
  EXPECT_FALSE(attention_copies_cache(dims(c)));
}

INSTANTIATE_TEST_SUITE_P(Isas, FastAttentionCache,
                         ::testing::Values(Isa::Generic, Isa::Avx2, Isa::Avx512),
                         [](const ::testing::TestParamInfo<Isa>& p) {
                           return std::string(isa_name(p.param));
                         });

}  // namespace
}  // namespace nuri::cpu::fast
