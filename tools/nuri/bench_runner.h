// Runs one benchmark case on one device through rt::Session (strict: the one device or an
// error), as any graph runs: the same ABI path for built-in devices and plugins.
#pragma once

#include <map>
#include <string>

#include "runtime/registry.h"
#include "tools/nuri/bench_case.h"
#include "tools/nuri/bench_result.h"

namespace nuri::cli {

struct BenchRunOptions {
  int warmup = 2;            // untimed runs first (caches, lazy packing)
  int repetitions = 5;       // timed samples; median, min and max are over these
  double min_time_s = 0.02;  // per repetition: iterations are added until it lasts this long
  int threads = 1;           // cpu device (and oneDNN direct) threads
  // Device options by device name ("threads=2;pin=1"). Host cpu devices get threads=<threads>
  // and pin=0 (as oneDNN direct runs), simulators timing_only=1, unless set here or refused.
  std::map<std::string, std::string> device_options;
  // Interleave oneDNN called directly (cpu MatMul/Gemm, Softmax, LayerNorm and Gelu cases).
  bool compare_onednn = false;
  // Interleave a copy of the input (memcpy on `threads` threads) with the memory-bound cpu
  // ops (Softmax, LayerNorm, Gelu): their measured bandwidth is that copy's, taken under the
  // same machine load.
  bool compare_copy = false;
};

// Never throws for a device that cannot run the case: the result carries the error instead.
BenchResult run_case(const BenchCase& c, const std::string& device, const BenchRunOptions& o,
                     rt::DeviceRegistry& registry);

// Whether `--compare onednn` has a direct oneDNN baseline for the case.
bool onednn_comparable(const BenchCase& c);
// Whether the case is a memory-bound op measured against a copy of its input.
bool copy_comparable(const BenchCase& c);

}  // namespace nuri::cli
