// Benchmark suites from the built-in models: every distinct op x shape (input types, constness,
// attributes) of a model's prefill or decode graph.
#pragma once

#include <string>
#include <vector>

#include "tools/nuri/bench_case.h"

namespace nuri::cli {

// "gpt2-small", "bert-base" or "llama2-7b", with ":prefill" (the default: 128 tokens) or
// ":decode" (one token). Throws naming the suite when it is not one of these.
std::vector<BenchCase> suite_cases(const std::string& suite);
// The distinct cases of a graph, in first-appearance order, with their occurrence counts.
std::vector<BenchCase> distinct_cases(const ir::Graph& g);

}  // namespace nuri::cli
