#!/usr/bin/env bash
# Records the NPU figures that tests/devices/npu/npu_pinned_cycles_test.cpp pins
# (tests/devices/npu/data/npu_pinned_cycles.json). Run it on a commit whose simulated timing is
# the reference, never to make a failing comparison pass after a speed change.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target nuri_npu_pinned_cycles_tests
NURI_RECORD_PINNED_CYCLES=1 "$BUILD_DIR/tests/devices/npu/nuri_npu_pinned_cycles_tests"
