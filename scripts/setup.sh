#!/usr/bin/env bash
# Nuri's one set-up script: installs the Debian packages Nuri needs (quick when all are there),
# configures and builds, then optionally runs the demo or the test suite.
#   scripts/setup.sh          install + build
#   scripts/setup.sh run      ... then `nuri run` on the built-in GPT-2-style model
#   scripts/setup.sh test     ... then the whole test suite through CTest
# Environment: BUILD_DIR (default build), CI=true turns warnings into errors.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libbenchmark-dev      # tests and benchmarks
  libfmt-dev nlohmann-json3-dev libcli11-dev      # formatting, JSON, CLI
  libdnnl-dev libhwloc-dev                        # cpu device: oneDNN, thread pinning
  ocl-icd-opencl-dev opencl-c-headers             # opencl device (ICD loader); oneDNN's CMake needs it too
  pocl-opencl-icd                                 # an OpenCL driver on the CPU for the opencl tests
  libonnx-dev libprotobuf-dev protobuf-compiler   # ONNX import
  libvulkan-dev glslc                             # vulkan device: loader + headers, GLSL -> SPIR-V
  mesa-vulkan-drivers vulkan-validationlayers     # lavapipe (Vulkan on the CPU); validation test
  pybind11-dev python3-dev python3-numpy python3-pytest  # Python bindings and their tests
  clang-format ccache                             # style; ccache makes rebuilds quick
)

# `setup.sh packages` prints the list, so CI checks the build against exactly this list.
if [ "${1:-}" = packages ]; then echo "${PACKAGES[*]}"; exit 0; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${BUILD_DIR:-build}
WERROR=OFF; [ "${CI:-}" = "true" ] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNURI_WERROR=$WERROR \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"

case "${1:-}" in
  run) shift; exec "$BUILD_DIR/nuri" run "$@" ;;
  test) exec ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" ;;
  "") ;;
  *) echo "setup: unknown action '$1' (expected run or test)" >&2; exit 2 ;;
esac
