// `nuri generate`: real tokens from a built-in decoder. Prefill once, then decode token by
// token over a KV cache allocated once for the whole length and updated in place; prints the
// token ids and the speed. The same seed gives the same weights, prompt and tokens.
#include <fmt/format.h>

#include <memory>
#include <sstream>

#include "nuri/error.hpp"
#include "tools/nuri/commands.h"
#include "tools/nuri/generate_command_engine.h"

namespace nuri::cli {
namespace {

struct GenerateFlags {
  ir::Gpt2Config sizes;  // only the size flags given are used
  std::string builtin = "gpt2-small", prompt_ids, sampling = "greedy", device = "cpu";
  int64_t prompt_len = 0, max_new = 32, top_k = 40;
  double top_p = 0.9;
  int threads = 1;
};

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw Error(fmt::format("--prompt-ids: '{}' is not an integer token id", item),
                  NURI_ERROR_INVALID_ARGUMENT);
    ids.push_back(v);
  }
  return ids;
}

void run_generate(const GenerateFlags& f, const CLI::App& cmd) {
  GenerateOptions o;
  o.model = f.builtin;
  o.sizes = given_model_sizes(cmd, f.sizes);
  o.seed = f.sizes.seed;
  o.max_new = f.max_new;
  o.device = f.device;
  o.threads = f.threads;
  o.sampling = {parse_sampling(f.sampling), f.top_k, f.top_p, f.sizes.seed};
  if (!f.prompt_ids.empty()) {
    o.prompt = parse_ids(f.prompt_ids);
  } else {
    // Seeded prompt ids, as `nuri run` feeds the built-in models.
    ir::ModelSizes s = o.sizes;
    s.seq = f.prompt_len;
    const ir::BuiltinModel m = ir::build_builtin_model(o.model, s, o.seed, false);
    o.prompt.assign(m.ids.data_as<int64_t>(), m.ids.data_as<int64_t>() + f.prompt_len);
  }
  const GenerateResult r = generate(o);
  fmt::print("prompt ({} tokens): {}\n", o.prompt.size(), fmt::join(o.prompt, ","));
  fmt::print("generated ({} tokens, {}): {}\n", r.tokens.size(), f.sampling,
             fmt::join(r.tokens, ","));
  fmt::print(
      "device {}: prefill {:.2f} ms, decode {} steps in {:.2f} ms ({:.1f} tokens/s), KV "
      "cache {:.1f} KiB allocated once\n",
      o.device, r.prefill_s * 1e3, r.decode_steps, r.decode_s * 1e3,
      r.decode_s > 0 ? double(r.decode_steps) / r.decode_s : 0.0, double(r.cache_bytes) / 1024);
  if (r.simulated_prefill_s > 0 || r.simulated_decode_s > 0)
    fmt::print("simulated on {}: prefill {:.3f} ms, decode {:.3f} ms ({:.1f} tokens/s)\n", o.device,
               r.simulated_prefill_s * 1e3, r.simulated_decode_s * 1e3,
               r.simulated_decode_s > 0 ? double(r.decode_steps) / r.simulated_decode_s : 0.0);
}

}  // namespace

void register_generate(CLI::App& app) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "generate tokens with a built-in decoder: prefill, then decode with an in-place "
      "KV cache; prints the token ids and tokens/s");
  cmd->add_option("--builtin", f->builtin, "built-in decoder")
      ->check(CLI::IsMember({"demo", "gpt2-small", "llama2-7b"}))
      ->capture_default_str();
  auto* ids = cmd->add_option("--prompt-ids", f->prompt_ids, "prompt token ids, e.g. 1,2,3");
  auto* len = cmd->add_option("--prompt-len", f->prompt_len, "a seeded prompt of N tokens")
                  ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  ids->excludes(len);
  len->excludes(ids);
  cmd->add_option("--max-new", f->max_new, "tokens to generate")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--sampling", f->sampling, "greedy, top-k or top-p")
      ->check(CLI::IsMember({"greedy", "top-k", "top-p"}))
      ->capture_default_str();
  cmd->add_option("--top-k", f->top_k, "top-k: candidates kept")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--top-p", f->top_p, "top-p: probability mass kept, in (0, 1]")
      ->check(CLI::Range(1e-9, 1.0))
      ->capture_default_str();
  cmd->add_option("--device", f->device,
                  "cpu, ref, or another device (e.g. npu, pim: functional simulation, with the "
                  "cpu device taking the ops it declines)")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "cpu device threads (0 = physical cores)")
      ->capture_default_str();
  cmd->add_option("--layers", f->sizes.layers, "built-in model: decoder layers");
  cmd->add_option("--d-model", f->sizes.d_model, "built-in model: hidden size");
  cmd->add_option("--heads", f->sizes.heads, "built-in model: attention heads");
  cmd->add_option("--vocab", f->sizes.vocab, "built-in model: vocabulary size");
  cmd->add_option("--seed", f->sizes.seed, "seed for weights, prompt and sampling")
      ->capture_default_str();
  cmd->callback([f, cmd] {
    if (f->prompt_ids.empty() && f->prompt_len == 0)
      throw Error("generate: give --prompt-ids or --prompt-len", NURI_ERROR_INVALID_ARGUMENT);
    run_generate(*f, *cmd);
  });
}

}  // namespace nuri::cli
