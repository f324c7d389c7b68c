// nuri simulate: a deployment's prefill and decode on the simulated timeline (runtime/simulate.h),
// printed as a summary, written as JSON and a Chrome trace, and optionally gated against an
// earlier run's JSON (exit code 3 when a metric regressed past the tolerance).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "runtime/deployment.h"
#include "runtime/session.h"
#include "runtime/simulate.h"
#include "tools/nuri/bench_report.h"
#include "tools/nuri/commands.h"
#include "tools/nuri/simulate_baseline.h"

namespace nuri::cli {
namespace {

struct SimulateOptions {
  std::string deployment_file;
  std::string builtin = "llama2-7b";
  std::string onnx;                    // --model FILE.onnx instead of a built-in family
  std::vector<std::string> onnx_dims;  // --dim NAME=ROLE|SIZE
  ir::Gpt2Config model;                // size flags (only those given are used)
  int64_t prompt = 128, generate = 128, batch = 1;
  int decode_samples = 3;
  std::string devices = "npu,pim";
  std::string npu_config, pim_config;
  std::string link = "pcie4-x16";
  std::string host = rt::kDefaultHost;
  std::string placement_policy = "cost";
  std::vector<std::string> rules;  // OP=DEVICE
  std::string json_out, trace_out, baseline;
  std::string tolerance = "2%";
  int threads = 0;  // phases simulated at once (0: one per hardware thread)
};

bool given(const CLI::App& cmd, const char* flag) {
  const CLI::Option* o = cmd.get_option_no_throw(flag);
  return o && o->count() > 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("--deployment {}: cannot read the file", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The deployment file (if any), then every flag given on the command line over it.
rt::Deployment build_deployment(const CLI::App& cmd, const SimulateOptions& o) {
  rt::Deployment d;
  const bool from_file = !o.deployment_file.empty();
  if (from_file) {
    d = rt::parse_deployment(read_file(o.deployment_file), "'" + o.deployment_file + "'");
    // A file's relative ONNX path is relative to the file, so deployments travel with models.
    if (!d.onnx.empty() && std::filesystem::path(d.onnx).is_relative())
      d.onnx = (std::filesystem::path(o.deployment_file).parent_path() / d.onnx).string();
  }
  const auto flag = [&](const char* name) { return !from_file || given(cmd, name); };
  if (flag("--builtin")) d.model = o.builtin;
  if (given(cmd, "--builtin")) d.onnx.clear();
  if (given(cmd, "--model")) d.onnx = o.onnx;
  for (const std::string& dim : o.onnx_dims) {
    const size_t eq = dim.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == dim.size())
      throw Error(
          fmt::format("--dim {}: must look like NAME=ROLE or NAME=SIZE (past_seq=past)", dim));
    // Checked as the deployment file's model.dims are.
    const std::string value = dim.substr(eq + 1);
    const bool size =
        value.size() < 16 && value.find_first_not_of("0123456789") == std::string::npos;
    nlohmann::json j;
    j["model"]["dims"][dim.substr(0, eq)] =
        size ? nlohmann::json(std::stoll(value)) : nlohmann::json(value);
    d = rt::parse_deployment(j.dump(), "--dim", d);
  }
  const ir::ModelSizes sizes = given_model_sizes(cmd, o.model);
  if (sizes.layers) d.sizes.layers = sizes.layers;
  if (sizes.d_model) d.sizes.d_model = sizes.d_model;
  if (sizes.heads) d.sizes.heads = sizes.heads;
  if (sizes.vocab) d.sizes.vocab = sizes.vocab;
  if (given(cmd, "--seed")) d.seed = o.model.seed;
  if (flag("--prompt")) d.prompt = o.prompt;
  if (flag("--generate")) d.generate = o.generate;
  if (flag("--batch")) d.batch = o.batch;
  if (flag("--decode-samples")) d.decode_samples = o.decode_samples;
  if (flag("--link")) d.link = rt::parse_link(o.link);
  if (flag("--host")) d.host = rt::parse_host(o.host);
  if (flag("--placement-policy")) d.policy = o.placement_policy;
  if (flag("--device")) {
    d.devices.clear();
    for (const std::string& e : rt::split_list(o.devices)) {
      try {
        d.devices.push_back(rt::parse_deployment_device(e));
      } catch (const Error& err) {
        throw Error(fmt::format("--device: {}", err.what()));
      }
    }
  }
  for (rt::DeploymentDevice& dev : d.devices) {
    if (dev.name == "npu" && !o.npu_config.empty()) dev.preset = o.npu_config;
    if (dev.name == "pim" && !o.pim_config.empty()) dev.preset = o.pim_config;
  }
  for (const std::string& r : o.rules) {
    const size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == r.size())
      throw Error(fmt::format("--placement-rule {}: must look like OP=DEVICE (MatMul=npu)", r));
    d.op_rules[r.substr(0, eq)] = r.substr(eq + 1);
  }
  return d;
}

// A bar on stderr, redrawn in place: only on a terminal, so logs and pipes stay clean.
rt::SimulateProgress progress_bar() {
  if (!isatty(STDERR_FILENO)) return {};
  return [](int done, int total, const std::string& what) {
    constexpr int kWidth = 30;
    const int filled = total > 0 ? done * kWidth / total : kWidth;
    std::fprintf(stderr, "\r[%s%s] %d/%d %-40.40s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done, total, what.c_str());
    if (done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

void print_summary(const nlohmann::json& s) {
  const nlohmann::json& m = s["deployment"]["model"];
  fmt::print(
      "model: {} ({} layers, d_model {}, {} heads, vocab {}), batch {}, prompt {}, generate {}\n",
      m.contains("onnx") ? m["onnx"].get<std::string>() : m["builtin"].get<std::string>(),
      m["layers"].get<int64_t>(), m["d_model"].get<int64_t>(), m["heads"].get<int64_t>(),
      m["vocab"].get<int64_t>(), s["deployment"]["batch"].get<int64_t>(),
      s["deployment"]["prompt"].get<int64_t>(), s["deployment"]["generate"].get<int64_t>());
  fmt::print("ttft {:.3f} ms, tpot {:.3f} ms, {:.1f} tokens/s, {:.3f} mJ/token\n",
             s["ttft_ms"].get<double>(), s["tpot_ms"].get<double>(),
             s["tokens_per_s"].get<double>(), s["energy_per_token_mj"].get<double>());
  for (const auto& d : s["devices"]) {
    const std::string name = d["name"].get<std::string>();
    fmt::print("  {} x{}: busy {:.3f} ms ({:.1f}%), {:.2f} MiB, {:.3f} mJ\n", name,
               d["count"].get<int>(), d["busy_ms"].get<double>(),
               100 * d["utilization"].get<double>(), d["bytes"].get<double>() / 1048576.0,
               d["energy_mj"].get<double>());
    // An idle device asked for is a question users ask: say why and how to force it.
    if (d["busy_ms"].get<double>() == 0 && d["bytes"].get<double>() == 0) {
      const nlohmann::json& p = s["deployment"]["placement"];
      const std::string policy = p.is_string() ? p.get<std::string>() : "fixed";
      fmt::print(
          "    (nothing placed on {}: the '{}' placement policy chose other devices for "
          "every op; `--placement-rule Attention={}` forces an op there, `--trace` shows "
          "where each op ran)\n",
          name, policy, name);
    }
  }
  for (const auto& l : s["links"])
    fmt::print("  link {}: {} transfers, {:.2f} MiB, busy {:.3f} ms\n",
               l["name"].get<std::string>(), l["transfers"].get<int>(),
               l["bytes"].get<double>() / 1048576.0, l["busy_ms"].get<double>());
  fmt::print("total simulated time: {:.3f} ms\n", s["e2e_ms"].get<double>());
}

void simulate(const CLI::App& cmd, const SimulateOptions& o) {
  if (given(cmd, "--seq"))
    throw Error("--seq: nuri simulate takes --prompt and --generate instead");
  const double tolerance = parse_tolerance(o.tolerance);
  const rt::Deployment d = build_deployment(cmd, o);
  const rt::SimulationResult r =
      rt::simulate_deployment(d, !o.trace_out.empty(), progress_bar(), o.threads);
  print_summary(r.summary);
  if (!o.json_out.empty()) {
    write_file(o.json_out, r.summary.dump(1) + "\n");
    fmt::print("wrote {}\n", o.json_out);
  }
  if (!o.trace_out.empty()) {
    r.trace.write(o.trace_out);
    fmt::print("wrote {}\n", o.trace_out);
  }
  if (o.baseline.empty()) return;
  const auto regressions = compare_with_baseline(r.summary, o.baseline, tolerance);
  if (regressions.empty()) {
    fmt::print("baseline {}: no metric worse by more than {}%\n", o.baseline, tolerance);
    return;
  }
  fmt::print("baseline {}: {}", o.baseline, regression_table(regressions, tolerance));
  std::fflush(stdout);
  throw ExitCode{kRegressionExitCode};
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "simulate an LLM deployment (prefill + decode) on simulated devices over a modelled link: "
      "time to first token, time per output token, tokens/s, energy per token");
  cmd->add_option("--deployment", o->deployment_file,
                  "deployment JSON (model, batch, prompt, generate, devices, link, placement); "
                  "flags given override it");
  cmd->add_option("--builtin", o->builtin, "built-in model: gpt2-small, llama2-7b, demo, ...")
      ->capture_default_str();
  add_builtin_model_options(*cmd, o->model);
  cmd->add_option("--prompt", o->prompt, "prompt tokens (prefill)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--generate", o->generate, "generated tokens (decode steps)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--model", o->onnx,
                  "an ONNX decoder (past/present KV inputs and outputs) instead of --builtin");
  cmd->add_option("--dim", o->onnx_dims,
                  "NAME=ROLE|SIZE: an ONNX symbolic dim's role (batch, seq, past, total) or size "
                  "(repeatable; names with batch, seq, past, total in them need none)");
  cmd->add_option("--batch", o->batch, "sequences decoded together (each prompt and generate long)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--decode-samples", o->decode_samples,
                  "context lengths simulated in decode (interpolated between)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", o->devices, "devices: name[:preset][ xN], comma-separated")
      ->capture_default_str();
  cmd->add_option("--npu-config", o->npu_config, "npu preset (tpu-v1, atom-like, rngd-like)");
  cmd->add_option("--pim-config", o->pim_config,
                  "pim preset (HBM-PIM, HBM-PIM-PIMSim, AiM, AttAcc-bank, AttAcc-BG, "
                  "AttAcc-buffer) or JSON file");
  cmd->add_option("--link", o->link,
                  "pcie4-x16, pcie5-x16, cxl2-x16, c2c, or {\"bandwidth_gbps\":..,"
                  "\"latency_ns\":..} or a file")
      ->capture_default_str();
  cmd->add_option("--host", o->host,
                  "the roofline costing partitions on non-simulated devices (cpu, ...): "
                  "server-16c, desktop-8c, or {\"gflops\":..,\"bandwidth_gbps\":..} or a file")
      ->capture_default_str();
  cmd->add_option("--placement-policy", o->placement_policy, "priority or cost")
      ->capture_default_str()
      ->check(CLI::IsMember({"priority", "cost"}));
  cmd->add_option("--placement-rule", o->rules, "OP=DEVICE: fixed placement (repeatable)");
  cmd->add_option("--json", o->json_out, "write the summary JSON to FILE");
  cmd->add_option("--trace", o->trace_out, "write a Chrome trace (prefill, one decode step)");
  cmd->add_option("--baseline", o->baseline,
                  "an earlier --json: exit 3 with a table when a metric regressed");
  cmd->add_option("--tolerance", o->tolerance, "allowed regression, percent")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "phases (prefill, sampled decode steps) simulated at once; 0: one per hardware "
                  "thread (the results do not depend on it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  cmd->callback([o, cmd] { simulate(*cmd, *o); });
}

}  // namespace nuri::cli
