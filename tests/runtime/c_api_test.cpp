// The C API (nuri/nuri.h) through libnuri.so: ONNX models against torch references, dynamic
// shapes, caller and session-owned outputs, JSON reports, misuse as errors (never a crash), and
// one session run from several threads.
#include "nuri/nuri.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "runtime/npy.h"

namespace {

std::string data(const std::string& rel) {
  return std::string(NURI_ONNX_TEST_DATA) + "/" + rel;
}

nuri_error fresh() {
  nuri_error e{};
  e.struct_size = sizeof(e);
  return e;
}

nuri_tensor view(const nuri::Tensor& t) {
  return {static_cast<nuri_dtype>(t.dtype()), static_cast<int32_t>(t.rank()), t.shape().data(),
          const_cast<void*>(t.data())};
}

// f32 against torch: |got - want| <= 2e-5 + 1e-4 |want| (as the C++ ONNX tests).
void expect_close(const float* got, const nuri::Tensor& want) {
  const float* w = want.data_as<float>();
  for (int64_t i = 0; i < want.numel(); ++i)
    ASSERT_LE(std::fabs(got[i] - w[i]), 2e-5 + 1e-4 * std::fabs(w[i])) << "at " << i;
}

// The npu runs f32 graphs on its bf16 datapath: as the npu device tests, max error within 2% of
// the largest reference magnitude and mean error within 0.5% of it.
void expect_close_bf16(const float* got, const nuri::Tensor& want) {
  const float* w = want.data_as<float>();
  double max_ref = 0, max_err = 0, sum_err = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    max_ref = std::max(max_ref, std::fabs(double(w[i])));
    max_err = std::max(max_err, std::fabs(double(got[i]) - w[i]));
    sum_err += std::fabs(double(got[i]) - w[i]);
  }
  EXPECT_LE(max_err, 0.02 * max_ref);
  EXPECT_LE(sum_err / static_cast<double>(want.numel()), 0.005 * max_ref);
}

struct Handles {
  nuri_model* model = nullptr;
  nuri_session* session = nullptr;
  ~Handles() {
    nuri_session_destroy(session);
    nuri_model_destroy(model);
  }
};

std::string json_of(nuri_status (*fn)(nuri_session*, char*, size_t, size_t*, nuri_error*),
                    nuri_session* s) {
  nuri_error err = fresh();
  size_t n = 0;
  EXPECT_EQ(fn(s, nullptr, 0, &n, &err), NURI_OK) << err.message;
  std::string text(n, '\0');
  EXPECT_EQ(fn(s, text.data(), text.size(), &n, &err), NURI_OK) << err.message;
  text.resize(n - 1);
  return text;
}

TEST(CApi, Gpt2OnnxOnNpuAndCpuMatchesTorchWithReports) {
  Handles h;
  nuri_error err = fresh();
  ASSERT_EQ(nuri_model_load_onnx(data("gpt2_opset14.onnx").c_str(), &h.model, &err), NURI_OK)
      << err.message;
  size_t n_in = 0;
  ASSERT_EQ(nuri_model_num_inputs(h.model, &n_in, &err), NURI_OK);
  ASSERT_EQ(n_in, 5u);
  nuri_value_info info{};
  info.struct_size = sizeof(info);
  ASSERT_EQ(nuri_model_input_info(h.model, 1, &info, &err), NURI_OK);
  EXPECT_STREQ(info.name, "past_key_0");
  ASSERT_EQ(info.rank, 4);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_STREQ(info.dim_names[0], "batch");
  EXPECT_EQ(info.dims[1], 4);
  EXPECT_STREQ(info.dim_names[2], "past_seq");

  const char* options[] = {"npu:config=atom-like"};
  nuri_session_options o{};
  o.struct_size = sizeof(o);
  o.devices = "npu,cpu";
  o.device_options = options;
  o.num_device_options = 1;
  ASSERT_EQ(nuri_session_create_with_options(h.model, &o, &h.session, &err), NURI_OK)
      << err.message;
  size_t size = 0;
  EXPECT_NE(nuri_session_placement_json(h.session, nullptr, 0, &size, &err), NURI_OK);
  EXPECT_NE(std::string(err.message).find("first run"), std::string::npos) << err.message;

  std::vector<nuri::Tensor> ins;
  for (const char* f : {"in_0_input_ids", "in_1_past_key_0", "in_2_past_value_0", "in_3_past_key_1",
                        "in_4_past_value_1"})
    ins.push_back(nuri::rt::read_npy(data(std::string("cases/gpt2_prefill/") + f + ".npy")));
  const nuri::Tensor want = nuri::rt::read_npy(data("cases/gpt2_prefill/out_0_logits.npy"));
  std::vector<nuri_tensor> in;
  for (const auto& t : ins) in.push_back(view(t));
  // Logits into caller memory, the rest session-owned.
  std::vector<float> logits(want.numel());
  std::vector<nuri_tensor> out(5, nuri_tensor{});
  out[0] = {NURI_DTYPE_F32, 3, want.shape().data(), logits.data()};
  ASSERT_EQ(nuri_session_run(h.session, in.data(), in.size(), out.data(), out.size(), &err),
            NURI_OK)
      << err.message;
  expect_close_bf16(logits.data(), want);
  const nuri::Tensor key = nuri::rt::read_npy(data("cases/gpt2_prefill/out_1_present_key_0.npy"));
  ASSERT_EQ(out[1].rank, 4);
  EXPECT_EQ(nuri::Shape(out[1].dims, out[1].dims + 4), key.shape());
  expect_close_bf16(static_cast<const float*>(out[1].data), key);

  const auto placement = nlohmann::json::parse(json_of(nuri_session_placement_json, h.session));
  bool on_npu = false;
  for (const auto& p : placement["partitions"]) on_npu = on_npu || p["device"] == "npu";
  EXPECT_TRUE(on_npu);
  const auto report = nlohmann::json::parse(json_of(nuri_session_report_json, h.session));
  double sim = 0;
  for (const auto& p : report["partitions"])
    if (p["simulated"]) {
      EXPECT_GT(p["cycles"].get<uint64_t>(), 0u);
      EXPECT_NEAR(p["time_ns"].get<double>(),
                  p["cycles"].get<double>() / p["clock_hz"].get<double>() * 1e9,
                  1e-6 * p["time_ns"].get<double>());
      sim += p["time_ns"].get<double>();
    }
  EXPECT_GT(sim, 0);
  EXPECT_DOUBLE_EQ(report["total"]["simulated_time_ns"].get<double>(), sim);
  EXPECT_GT(nuri_session_placement(h.session, nullptr, 0), 1u);
}

// A device made timing-only (npu:timing_only=1) computes nothing: what it produces comes back as
// zeros (written into caller memory, or session-owned zero tensors), bound output memory is left
// as it was, and the run's simulated time is reported.
TEST(CApi, TimingOnlyDeviceOutputsAreZeros) {
  Handles h;
  nuri_error err = fresh();
  ASSERT_EQ(nuri_model_create_gpt2(1, 32, 2, 64, 8, 3, &h.model, &err), NURI_OK);
  const char* options[] = {"npu:timing_only=1"};
  nuri_session_options o{};
  o.struct_size = sizeof(o);
  o.devices = "npu";
  o.strict = 1;  // the logits come from the npu
  o.device_options = options;
  o.num_device_options = 1;
  ASSERT_EQ(nuri_session_create_with_options(h.model, &o, &h.session, &err), NURI_OK)
      << err.message;
  const int64_t dims[2] = {1, 8}, out_dims[3] = {1, 8, 64};
  int64_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  nuri_tensor in = {NURI_DTYPE_I64, 2, dims, ids};
  std::vector<float> logits(8 * 64, -1.0f);
  nuri_tensor out = {NURI_DTYPE_F32, 3, out_dims, logits.data()};
  ASSERT_EQ(nuri_session_run(h.session, &in, 1, &out, 1, &err), NURI_OK) << err.message;
  EXPECT_EQ(logits, std::vector<float>(8 * 64, 0.0f));
  nuri_tensor owned{};
  ASSERT_EQ(nuri_session_run(h.session, &in, 1, &owned, 1, &err), NURI_OK) << err.message;
  ASSERT_NE(owned.data, nullptr);
  ASSERT_EQ(owned.rank, 3);
  const auto* o_data = static_cast<const float*>(owned.data);
  EXPECT_EQ(std::vector<float>(o_data, o_data + 8 * 64), std::vector<float>(8 * 64, 0.0f));
  const auto report = nlohmann::json::parse(json_of(nuri_session_report_json, h.session));
  EXPECT_GT(report["total"]["simulated_time_ns"].get<double>(), 0);

  std::vector<float> bound(8 * 64, -1.0f);
  nuri_tensor bound_out = {NURI_DTYPE_F32, 3, out_dims, bound.data()};
  ASSERT_EQ(nuri_session_bind_input(h.session, 0, &in, &err), NURI_OK) << err.message;
  ASSERT_EQ(nuri_session_bind_output(h.session, 0, &bound_out, &err), NURI_OK) << err.message;
  ASSERT_EQ(nuri_session_run_bound(h.session, &err), NURI_OK) << err.message;
  EXPECT_EQ(bound, std::vector<float>(8 * 64, -1.0f));
}

TEST(CApi, BytesWithFixedDimsAndWithoutFusion) {
  std::ifstream f(data("gpt2_opset14.onnx"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const char* dims[] = {"batch=2", "past_seq=0"};
  nuri_load_options lo{};
  lo.struct_size = sizeof(lo);
  lo.dims = dims;
  lo.num_dims = 2;
  lo.no_fuse = 1;
  Handles h;
  nuri_error err = fresh();
  ASSERT_EQ(nuri_model_load_onnx_bytes(bytes.data(), bytes.size(), &lo, &h.model, &err), NURI_OK)
      << err.message;
  nuri_value_info info{};
  info.struct_size = sizeof(info);
  ASSERT_EQ(nuri_model_input_info(h.model, 1, &info, &err), NURI_OK);
  EXPECT_EQ(info.dims[0], 2);
  EXPECT_EQ(info.dims[2], 0);
  ASSERT_EQ(nuri_session_create(h.model, "cpu", 0, &h.session, &err), NURI_OK) << err.message;
  const nuri::Tensor ids = nuri::rt::read_npy(data("cases/gpt2_prefill/in_0_input_ids.npy"));
  const nuri::Tensor past(nuri::DType::F32, {2, 4, 0, 8});
  std::vector<nuri_tensor> in{view(ids), view(past), view(past), view(past), view(past)};
  std::vector<nuri_tensor> out(5, nuri_tensor{});
  ASSERT_EQ(nuri_session_run(h.session, in.data(), 5, out.data(), 5, &err), NURI_OK) << err.message;
  expect_close(static_cast<const float*>(out[0].data),
               nuri::rt::read_npy(data("cases/gpt2_prefill/out_0_logits.npy")));
  // A batch other than the fixed one is refused, naming the input.
  const nuri::Tensor ids1(nuri::DType::I64, {1, 5});
  in[0] = view(ids1);
  EXPECT_EQ(nuri_session_run(h.session, in.data(), 5, out.data(), 5, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("input 'input_ids'"), std::string::npos) << err.message;
  // A dim the model lacks is refused at load.
  const char* bad[] = {"nope=3"};
  lo.dims = bad;
  lo.num_dims = 1;
  nuri_model* m = nullptr;
  EXPECT_EQ(nuri_model_load_onnx_bytes(bytes.data(), bytes.size(), &lo, &m, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("'nope=3'"), std::string::npos) << err.message;
  EXPECT_EQ(m, nullptr);
}

TEST(CApi, MisuseIsAnErrorNeverACrash) {
  nuri_error err = fresh();
  nuri_model* model = nullptr;
  nuri_session* session = nullptr;
  ASSERT_EQ(nuri_model_create_gpt2(1, 16, 2, 32, 4, 1, &model, &err), NURI_OK);
  // NULL out-pointers and handles.
  EXPECT_EQ(nuri_session_create(model, "cpu", 0, nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("out is NULL"), std::string::npos) << err.message;
  EXPECT_EQ(nuri_session_create(nullptr, "cpu", 0, &session, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_create_with_options(nullptr, nullptr, nullptr, nullptr),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_model_create_gpt2(1, 16, 2, 32, 4, 1, nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  nuri_model* other = nullptr;
  EXPECT_EQ(nuri_model_load_onnx(nullptr, &other, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_model_load_onnx("x.onnx", nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_model_load_onnx_bytes(nullptr, 5, nullptr, &other, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(other, nullptr);
  EXPECT_EQ(nuri_plugin_load(nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_num_inputs(nullptr), 0u);
  EXPECT_EQ(nuri_session_num_outputs(nullptr), 0u);
  EXPECT_EQ(nuri_session_placement(nullptr, nullptr, 0), 0u);
  EXPECT_EQ(nuri_session_input(nullptr, 0, nullptr, nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_run(nullptr, nullptr, 0, nullptr, 0, &err), NURI_ERROR_INVALID_ARGUMENT);
  size_t count = 0;
  EXPECT_EQ(nuri_model_num_inputs(nullptr, &count, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_model_num_inputs(model, nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  nuri_value_info info{};
  EXPECT_EQ(nuri_model_input_info(model, 0, &info, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("struct_size"), std::string::npos) << err.message;
  info.struct_size = sizeof(info);
  EXPECT_EQ(nuri_model_input_info(model, 7, &info, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_device_name(100000), nullptr);
  // Options: bad struct size, unknown device, negative threads, malformed entries.
  nuri_session_options o{};
  EXPECT_EQ(nuri_session_create_with_options(model, &o, &session, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  o.struct_size = sizeof(o);
  const char* tpu[] = {"tpu:threads=1"};
  o.device_options = tpu;
  o.num_device_options = 1;
  EXPECT_EQ(nuri_session_create_with_options(model, &o, &session, &err), NURI_ERROR_NOT_FOUND);
  EXPECT_NE(std::string(err.message).find("no device named 'tpu'"), std::string::npos)
      << err.message;
  const char* malformed[] = {"threads=1"};
  o.device_options = malformed;
  EXPECT_EQ(nuri_session_create_with_options(model, &o, &session, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  o.num_device_options = 0;
  o.threads = -3;
  EXPECT_EQ(nuri_session_create_with_options(model, &o, &session, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("threads -3"), std::string::npos) << err.message;
  o.threads = 0;
  o.devices = "nosuch";
  EXPECT_NE(nuri_session_create_with_options(model, &o, &session, &err), NURI_OK);
  EXPECT_EQ(session, nullptr);
  // NULL err is allowed.
  EXPECT_EQ(nuri_session_create(model, "cpu", 0, nullptr, nullptr), NURI_ERROR_INVALID_ARGUMENT);

  ASSERT_EQ(nuri_session_create(model, "cpu", 0, &session, &err), NURI_OK) << err.message;
  nuri_tensor in{};
  std::vector<float> logits(4 * 32);
  const int64_t ids_dims[2] = {1, 4}, bad_dims[2] = {1, 5}, out_dims[3] = {1, 4, 32};
  int64_t ids[4] = {1, 2, 3, 4};
  nuri_tensor out = {NURI_DTYPE_F32, 3, out_dims, logits.data()};
  EXPECT_EQ(nuri_session_run(session, nullptr, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_run(session, &in, 1, nullptr, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_run(session, &in, 2, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_I64, 2, nullptr, ids};  // dims NULL
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {static_cast<nuri_dtype>(99), 2, ids_dims, ids};  // no such dtype
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_F32, 2, ids_dims, ids};  // wrong dtype
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_I64, 2, bad_dims, ids};  // wrong shape
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_I64, -1, ids_dims, ids};  // bad rank
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_I64, 2, ids_dims, nullptr};  // no data
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  in = {NURI_DTYPE_I64, 2, ids_dims, ids};
  nuri_tensor wrong_out = {NURI_DTYPE_F32, 3, ids_dims, logits.data()};  // caller size wrong
  EXPECT_EQ(nuri_session_run(session, &in, 1, &wrong_out, 1, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("output 'logits'"), std::string::npos) << err.message;
  size_t size = 0;
  EXPECT_EQ(nuri_session_report_json(session, nullptr, 0, &size, &err),
            NURI_ERROR_INVALID_ARGUMENT);  // before any run
  EXPECT_EQ(nuri_session_run(session, &in, 1, &out, 1, &err), NURI_OK) << err.message;
  EXPECT_EQ(nuri_session_report_json(session, nullptr, 0, nullptr, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_report_json(nullptr, nullptr, 0, &size, &err),
            NURI_ERROR_INVALID_ARGUMENT);
  nuri_session_destroy(session);
  nuri_model_destroy(model);
  nuri_session_destroy(nullptr);
  nuri_model_destroy(nullptr);
}

TEST(CApi, OneSessionRunFromSeveralThreadsGivesTheSingleThreadResult) {
  Handles h;
  nuri_error err = fresh();
  ASSERT_EQ(nuri_model_create_gpt2(1, 32, 2, 64, 8, 3, &h.model, &err), NURI_OK);
  ASSERT_EQ(nuri_session_create(h.model, "cpu", 0, &h.session, &err), NURI_OK) << err.message;
  const int64_t dims[2] = {1, 8};
  auto run = [&](int64_t offset, std::vector<float>& logits, nuri_error& e) {
    int64_t ids[8];
    for (int i = 0; i < 8; ++i) ids[i] = (i + offset) % 64;
    nuri_tensor in = {NURI_DTYPE_I64, 2, dims, ids};
    nuri_tensor out{};  // session-owned, per thread
    const nuri_status st = nuri_session_run(h.session, &in, 1, &out, 1, &e);
    if (st == NURI_OK) {
      const float* p = static_cast<const float*>(out.data);
      logits.assign(p, p + 8 * 64);
    }
    return st;
  };
  std::vector<std::vector<float>> want(4);
  for (int t = 0; t < 4; ++t) ASSERT_EQ(run(t, want[t], err), NURI_OK) << err.message;
  std::vector<std::vector<float>> got(4 * 10);
  std::vector<nuri_status> status(4 * 10, NURI_OK);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      nuri_error e = fresh();
      for (int r = 0; r < 10; ++r) status[t * 10 + r] = run(t, got[t * 10 + r], e);
    });
  for (auto& th : threads) th.join();
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(status[i], NURI_OK);
    EXPECT_EQ(got[i], want[i / 10]) << "thread " << i / 10 << " run " << i % 10;
  }
}

TEST(CApi, BoundInputsAndOutputsRunInPlace) {
  Handles h;
  nuri_error err = fresh();
  ASSERT_EQ(nuri_model_create_gpt2(1, 32, 2, 64, 8, 3, &h.model, &err), NURI_OK);
  ASSERT_EQ(nuri_session_create(h.model, "cpu", 0, &h.session, &err), NURI_OK) << err.message;
  const int64_t dims[2] = {1, 8}, out_dims[3] = {1, 8, 64};
  int64_t ids[8];
  std::vector<float> logits(8 * 64, -1.0f);
  float* const logits_at = logits.data();
  nuri_tensor in = {NURI_DTYPE_I64, 2, dims, ids};
  nuri_tensor out = {NURI_DTYPE_F32, 3, out_dims, logits.data()};
  ASSERT_EQ(nuri_session_bind_input(h.session, 0, &in, &err), NURI_OK) << err.message;
  ASSERT_EQ(nuri_session_bind_output(h.session, 0, &out, &err), NURI_OK) << err.message;
  for (int offset : {0, 5}) {
    for (int i = 0; i < 8; ++i) ids[i] = (i + offset) % 64;  // new ids in the bound memory
    ASSERT_EQ(nuri_session_run_bound(h.session, &err), NURI_OK) << err.message;
    std::vector<float> want(8 * 64);
    nuri_tensor copy = {NURI_DTYPE_F32, 3, out_dims, want.data()};
    ASSERT_EQ(nuri_session_run(h.session, &in, 1, &copy, 1, &err), NURI_OK) << err.message;
    EXPECT_EQ(logits.data(), logits_at);
    EXPECT_EQ(logits, want) << "offset " << offset;
  }
  // Mismatches are refused, naming the value; the earlier bindings stay.
  const int64_t wrong[2] = {1, 9};
  nuri_tensor bad_in = {NURI_DTYPE_I64, 2, wrong, ids};
  EXPECT_EQ(nuri_session_bind_input(h.session, 0, &bad_in, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("input 'ids'"), std::string::npos) << err.message;
  nuri_tensor bad_out = {NURI_DTYPE_I32, 3, out_dims, logits.data()};
  EXPECT_EQ(nuri_session_bind_output(h.session, 0, &bad_out, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("output 'logits'"), std::string::npos) << err.message;
  EXPECT_EQ(nuri_session_bind_input(h.session, 3, &in, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_run_bound(nullptr, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nuri_session_run_bound(h.session, &err), NURI_OK) << err.message;
  // Unbinding the output (data NULL) leaves a run with nothing to write into: an error.
  nuri_tensor none = {NURI_DTYPE_F32, 3, out_dims, nullptr};
  ASSERT_EQ(nuri_session_bind_output(h.session, 0, &none, &err), NURI_OK) << err.message;
  EXPECT_EQ(nuri_session_run_bound(h.session, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("output 'logits' is not bound"), std::string::npos)
      << err.message;
}

}  // namespace
