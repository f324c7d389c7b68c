#!/usr/bin/env bash
# ONNX Runtime (CPU EP) baseline for the cpu engine's GPT-2-small block benchmark.
# Exports the 1-layer block with /work/shared/ort-baseline, installs onnxruntime-node into
# $ORT_NODE_DIR if missing, and times ORT on THREADS threads (default 1). Compare its
# prefill_s128 median_ms with `cpu_bench --benchmark_filter=BM_Gpt2Block/threads:1/bf16:0`
# run in the same session (the machine is shared: interleave runs, compare medians).
#   usage: scripts/bench_ort.sh [threads=1] [seconds=3]
set -euo pipefail
THREADS=${1:-1}
SECONDS_PER_CASE=${2:-3}
BASELINE=${ORT_BASELINE_DIR:-/work/shared/ort-baseline}
OUT=${ORT_MODEL_DIR:-/tmp/ortb}
NODE_DIR=${ORT_NODE_DIR:-/tmp/ortnode}

if [[ ! -f "$OUT/gpt2_block_L1.onnx" ]]; then
  /usr/bin/python3 "$BASELINE/export_onnx.py" --outdir "$OUT" --layers 1
fi
if [[ ! -d "$NODE_DIR/node_modules/onnxruntime-node" ]]; then
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && npm init -y >/dev/null && npm install --ignore-scripts onnxruntime-node)
fi
NODE_PATH="$NODE_DIR/node_modules" node "$BASELINE/bench_ort.js" "$OUT/gpt2_block_L1.onnx" "$OUT" 1 \
  "$THREADS" "$SECONDS_PER_CASE"
