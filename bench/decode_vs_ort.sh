#!/usr/bin/env bash
# The GPT-2-small block decode step (1 token over a 512-entry KV cache, ONNX export of
# /work/shared/ort-baseline) on Nuri's cpu device and on ONNX Runtime, alternating ROUNDS times
# on the same file, inputs and thread count (the machine is shared: compare medians of
# adjacent runs). Prints each run's JSON line, then the medians and the Nuri / ORT ratio, and
# the fastest runs against the fastest single read of the graph's weight constants (a memory
# bandwidth bound where the weights do not fit the caches: 12 layers; one layer's 28 MB of packed
# weights can stay in a large L3 between runs and beat it).
# FORMAT picks Nuri's weights (cpu_decode_bench's f32, f32-onednn, bf16 or int8; ORT runs the
# f32 file as exported either way).
#   usage: bench/decode_vs_ort.sh [layers=1] [threads=1] [rounds=3] [seconds=3] [format=f32]
# Environment: BUILD_DIR (default build), ORT_MODEL_DIR (default /tmp/ortb: export_onnx.py's
# output; exported here when missing), ORT_NODE_DIR (default /tmp/ortnode: onnxruntime-node).
set -euo pipefail
cd "$(dirname "$0")/.."
LAYERS=${1:-1}
THREADS=${2:-1}
ROUNDS=${3:-3}
SECONDS_PER_CASE=${4:-3}
FORMAT=${5:-f32}
BUILD_DIR=${BUILD_DIR:-build}
BASELINE=${ORT_BASELINE_DIR:-/work/shared/ort-baseline}
OUT=${ORT_MODEL_DIR:-/tmp/ortb}
NODE_DIR=${ORT_NODE_DIR:-/tmp/ortnode}

if [[ ! -f "$OUT/gpt2_block_L$LAYERS.onnx" ]]; then
  /usr/bin/python3 "$BASELINE/export_onnx.py" --outdir "$OUT" --layers "$LAYERS"
fi
if [[ ! -d "$NODE_DIR/node_modules/onnxruntime-node" ]]; then
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && npm init -y >/dev/null && npm install --ignore-scripts onnxruntime-node)
fi
cmake --build "$BUILD_DIR" --target cpu_decode_bench >/dev/null

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for ((r = 0; r < ROUNDS; ++r)); do
  "$BUILD_DIR/bench/cpu_decode_bench" "$OUT" "$LAYERS" "$THREADS" "$SECONDS_PER_CASE" \
    decode_kv512 "$FORMAT" | tee -a "$log"
  NODE_PATH="$NODE_DIR/node_modules" node "$BASELINE/bench_ort.js" "$OUT/gpt2_block_L$LAYERS.onnx" \
    "$OUT" "$LAYERS" "$THREADS" "$SECONDS_PER_CASE" | grep decode_kv512 | tee -a "$log"
done
/usr/bin/python3 - "$log" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
nuri = [r["median_ms"] for r in runs if r["runtime"] == "nuri-cpu"]
ort = [r["median_ms"] for r in runs if r["runtime"] != "nuri-cpu"]
n, o = statistics.median(nuri), statistics.median(ort)
print(f"decode_kv512 medians of {len(nuri)} rounds: nuri {n:.2f} ms, onnxruntime {o:.2f} ms, "
      f"nuri/ort {n / o:.2f}")
nmin = min(r["min_ms"] for r in runs if r["runtime"] == "nuri-cpu")
omin = min(r["min_ms"] for r in runs if r["runtime"] != "nuri-cpu")
bound = min(r["weight_stream_min_ms"] for r in runs if r["runtime"] == "nuri-cpu")
print(f"decode_kv512 fastest: nuri {nmin:.2f} ms, onnxruntime {omin:.2f} ms, nuri/ort "
      f"{nmin / omin:.2f}; weights read once {bound:.2f} ms, nuri/bound {nmin / bound:.2f}")
nuri_runs = [r for r in runs if r["runtime"] == "nuri-cpu"]
read = statistics.median(r["weight_read_median_ms"] for r in nuri_runs)
step_bound = statistics.median(r["step_bound_ms"] for r in nuri_runs)
print(f"nuri {nuri_runs[0]['weights']}: step / weight read {n / read:.2f} (medians), step / "
      f"(weights + KV cache at that bandwidth, {step_bound:.2f} ms) {n / step_bound:.2f}")
PY
