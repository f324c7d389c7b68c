#!/usr/bin/env bash
# Reruns AttAcc's PIM simulator (its Ramulator 2.0 with its HBM3-PIM patches) on traces from its
# trace generators, for the points of tests/simulator/pim/test_pim_attacc.cpp that its committed
# ramulator.out got from the generators before their fix (README of simulator/pim, "Decode
# attention as AttAcc places it"). Prints cycles per trace, old (pre-c600051) and fixed generator.
#   bench/validation/attacc_ramulator_rerun.sh ATTACC_REPO RAMULATOR2_REPO [WORK_DIR]
# ATTACC_REPO: a clone of github.com/scale-snu/attacc_simulator (c600051); RAMULATOR2_REPO: a
# clone of github.com/CMU-SAFARI/ramulator2 (its set_pim_ramulator.sh pins b7c7027). Needs
# Debian's libyaml-cpp-dev and libspdlog-dev (instead of its FetchContent downloads) and a
# Python 3; the build takes minutes, the 130-head buffer trace several more.
set -euo pipefail
attacc=$(realpath "$1")
ram_src=$(realpath "$2")
work=$(realpath -m "${3:-/tmp/attacc_rerun}")
mkdir -p "$work"
cd "$work"

# Ramulator 2.0 as its set_pim_ramulator.sh prepares it.
rm -rf ram && git clone -q "$ram_src" ram && git -C ram checkout -q b7c70275f04126c647edb989270cc429776955d1
src="$attacc/pim_ramulator_src"
cp "$src"/hbm3_linear_mappers.cpp "$src"/hbm3_pim_linear_mappers.cpp ram/src/addr_mapper/impl/
cp "$src"/HBM3-PIM.cpp ram/src/dram/impl/
cp "$src"/hbm3_controller.cpp "$src"/hbm3_pim_controller.cpp ram/src/dram_controller/impl/
cp "$src"/hbm3_trace_recorder.cpp ram/src/dram_controller/impl/plugin/
cp "$src"/all_bank_refresh_hbm3.cpp "$src"/no_refresh.cpp ram/src/dram_controller/impl/refresh/
cp "$src"/pim_scheduler.cpp ram/src/dram_controller/impl/scheduler/
cp "$src"/pim_loadstore_trace.cpp ram/src/frontend/impl/memory_trace/
cp "$src"/PIM_DRAM_system.cpp ram/src/memory_system/impl/
for p in "$src"/patches/*.patch; do (cd ram && patch -s -p1 < "$p"); done

# Debian's yaml-cpp and spdlog instead of FetchContent (no network); main.cpp's argparse use is
# covered by a small stand-in header.
python3 - ram/CMakeLists.txt <<'EOF'
import sys
p = sys.argv[1]; s = open(p).read()
a = s.index('#### External libraries ####'); b = s.index('##################################')
s = s[:a] + ('find_package(yaml-cpp REQUIRED)\nfind_package(spdlog REQUIRED)\n'
             'include_directories(${CMAKE_SOURCE_DIR}/ext/argparse/include)\n'
             'add_library(argparse INTERFACE)\n') + s[b:]
open(p, 'w').write(s.replace('PUBLIC spdlog', 'PUBLIC spdlog::spdlog'))
EOF
mkdir -p ram/ext/argparse/include/argparse
cat > ram/ext/argparse/include/argparse/argparse.hpp <<'EOF'
// Stand-in for p-ranav/argparse: only what ramulator2's main.cpp calls (-f/-c/-p options).
#pragma once
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
namespace argparse {
struct Argument {
  std::vector<std::string> names, vals;
  Argument& metavar(const char*) { return *this; }
  Argument& help(const char*) { return *this; }
  Argument& append() { return *this; }
};
class ArgumentParser {
 public:
  ArgumentParser(const char*, const char*) {}
  Argument& add_argument(const char* a, const char* b) {
    args_.push_back(Argument{{a, b}, {}});
    return args_.back();
  }
  void parse_args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      Argument* f = nullptr;
      for (auto& x : args_)
        for (auto& n : x.names)
          if (n == argv[i]) f = &x;
      if (!f || i + 1 >= argc) throw std::runtime_error(std::string("bad argument ") + argv[i]);
      f->vals.push_back(argv[++i]);
    }
  }
  template <class T> T get(const std::string& n) { return *present<T>(n); }
  template <class T> std::optional<T> present(const std::string& n) {
    for (auto& x : args_)
      for (auto& m : x.names)
        if (m == n && !x.vals.empty()) {
          if constexpr (std::is_same_v<T, std::string>) return x.vals.back();
          else return x.vals;
        }
    return std::nullopt;
  }
  friend std::ostream& operator<<(std::ostream& o, const ArgumentParser&) {
    return o << "usage: ramulator2 -f config.yaml\n";
  }
 private:
  std::vector<Argument> args_;
};
}  // namespace argparse
EOF
cmake -S ram -B ram/build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build ram/build -j"$(nproc)" > /dev/null

# Its trace generators before (c600051~1) and after (c600051) the indentation fix.
for v in bank bg buffer; do
  git -C "$attacc" show c600051~1:pim_ramulator_src/trace_gen/gen_trace_attacc_$v.py > old_$v.py
  git -C "$attacc" show c600051:pim_ramulator_src/trace_gen/gen_trace_attacc_$v.py > new_$v.py
done

# Its ramulator_wrapper.py's configuration; timing preset HBM3_5.2Gbps (power cap) or _NPC.
run() {  # run GEN VARIANT HEADS L PRESET
  local t="$1_$2_$3_$4"
  python3 "$1_$2.py" --nhead "$3" --seqlen "$4" --dhead 128 --dbyte 2 -o "$t.trace" > /dev/null
  cat > "$t.$5.yaml" <<EOF
Frontend:
  impl: PIMLoadStoreTrace
  path: $work/$t.trace
  clock_ratio: 1
  Translation:
    impl: NoTranslation
    max_addr: 2147483648
MemorySystem:
  impl: PIMDRAM
  clock_ratio: 1
  DRAM:
    impl: HBM3-PIM
    org:
      preset: HBM3_8Gb_2R
      channel: 16
    timing:
      preset: $5
  Controller:
    impl: HBM3-PIM
    Scheduler:
      impl: PIM
    RefreshManager:
      impl: AllBankHBM3
    plugins:
  AddrMapper:
    impl: HBM3-PIM
EOF
  echo "$1 $2 heads $3 L $4 $5: $(ram/build/ramulator2 -f "$t.$5.yaml" | grep memory_system_cycles)"
}
for v in bank bg buffer; do run old $v 3 2049 HBM3_5.2Gbps; run new $v 3 2049 HBM3_5.2Gbps; done
run new bank 130 2048 HBM3_5.2Gbps
run new bank 130 2048 HBM3_5.2Gbps_NPC
run new bank 130 4096 HBM3_5.2Gbps
run new bg 130 2048 HBM3_5.2Gbps
run new bg 130 2048 HBM3_5.2Gbps_NPC
run new buffer 130 2048 HBM3_5.2Gbps
# The heterogeneous bench's batch 32 and 95 (77 and 228 heads per stack) at L 2112.
run new bank 77 2112 HBM3_5.2Gbps
run new bank 228 2112 HBM3_5.2Gbps
