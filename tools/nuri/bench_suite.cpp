#include "tools/nuri/bench_suite.h"

#include <fmt/format.h>

#include <map>

#include "compiler/models/bert.h"
#include "compiler/models/gpt2.h"
#include "compiler/models/llama.h"
#include "nuri/error.hpp"

namespace nuri::cli {
namespace {

// Two nodes are the same case when op, input types and constness and attributes all match.
std::string case_key(const BenchCase& c) {
  std::string key = c.name;
  for (const auto& [name, value] : c.attrs.all())
    key += fmt::format(";{}={}", name, ir::attr_to_string(value));
  return key;
}

// The models are built without weights: only their shapes are needed here.
ir::Graph model_graph(const std::string& model, int64_t seq) {
  if (model == "gpt2-small")
    return ir::build_gpt2(ir::Gpt2Config{12, 768, 12, 50257, seq, 3072, 1024, 1, false});
  if (model == "bert-base") {
    ir::BertConfig c;
    c.seq = seq;
    c.with_weights = false;
    return ir::build_bert(c);
  }
  if (model == "llama2-7b") {
    ir::LlamaConfig c;
    c.seq = seq;
    c.with_weights = false;
    return ir::build_llama(c);
  }
  throw Error(fmt::format("--suite '{}': unknown model (gpt2-small, bert-base, llama2-7b)", model));
}

}  // namespace

std::vector<BenchCase> distinct_cases(const ir::Graph& g) {
  std::vector<BenchCase> cases;
  std::map<std::string, size_t> index;
  std::map<std::string, int> names;
  for (ir::NodeId id : g.topo_order()) {
    BenchCase c = case_from_node(g, g.node(id));
    const std::string key = case_key(c);
    if (auto it = index.find(key); it != index.end()) {
      ++cases[it->second].occurrences;
      continue;
    }
    // Same types, other attributes (two Reshapes of one input): keep the names unique.
    if (const int n = names[c.name]++; n > 0) c.name += fmt::format("/v{}", n + 1);
    index.emplace(key, cases.size());
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<BenchCase> suite_cases(const std::string& suite) {
  const size_t colon = suite.find(':');
  const std::string model = suite.substr(0, colon);
  const std::string phase = colon == std::string::npos ? "prefill" : suite.substr(colon + 1);
  if (phase != "prefill" && phase != "decode")
    throw Error(
        fmt::format("--suite '{}': the phase is prefill or decode, not '{}'", suite, phase));
  // Prefill: the models' default 128 tokens; decode: one token (the built-in models have no KV
  // cache, so a decode step is the one-token graph).
  return distinct_cases(model_graph(model, phase == "prefill" ? 128 : 1));
}

}  // namespace nuri::cli
