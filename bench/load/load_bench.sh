#!/usr/bin/env bash
# Load + compile figures, Nuri beside ONNX Runtime, 1 thread, medians of RUNS processes.
#   bench/load/load_bench.sh [RUNS=5] [MODEL.onnx ...]
# Defaults: the GPT-2-small block exports of /work/shared/ort-baseline ($ORT_MODEL_DIR, default
# /work/ortb: gpt2_block_L1.onnx, gpt2_block_L12.onnx) and the built-in gpt2-small. Needs
# build/bench/load_bench and onnxruntime-node ($ORT_NODE_DIR, default /work/ortnode).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
shift || true
MODEL_DIR=${ORT_MODEL_DIR:-/work/ortb}
NODE_DIR=${ORT_NODE_DIR:-/work/ortnode}
BENCH=${LOAD_BENCH:-build/bench/load_bench}
MODELS=("$@")
((${#MODELS[@]})) || MODELS=("$MODEL_DIR/gpt2_block_L1.onnx" "$MODEL_DIR/gpt2_block_L12.onnx")
export OMP_WAIT_POLICY=passive

median() {  # median of a JSON field over lines of JSON on stdin
  /usr/bin/python3 -c 'import json,statistics,sys
k=sys.argv[1]; v=[json.loads(l)[k] for l in sys.stdin if l.strip()]
print(f"{statistics.median(v):.1f}")' "$1"
}

# The cpu device's measured peaks are cached per machine: say whether this run starts with them.
peaks="${NURI_CPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nuri/cpu}/host_peaks.json"
[[ -f "$peaks" ]] && peaks_note="cached in $peaks" || peaks_note="not cached: the first run measures them"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); cpu peaks $peaks_note"
printf '%-24s %12s %12s %14s %14s %10s\n' model "nuri ms" "ort ms" "nuri/ort" "nuri peak MiB" "ort peak MiB"
for m in "${MODELS[@]}"; do
  [[ -f "$m" ]] || { echo "skip $m (missing)"; continue; }
  nuri=$(for _ in $(seq "$RUNS"); do "$BENCH" onnx "$m" --dim seq=128; done)
  ort=$(NODE_PATH="$NODE_DIR/node_modules" node bench/load/ort_session_create.js "$m" "$RUNS")
  n_ms=$(median total_ms <<<"$nuri")
  n_peak=$(median peak_rss_above_base_mib <<<"$nuri")
  weights=$(median weights_mib <<<"$nuri")
  o_ms=$(median create_ms_median <<<"$ort")
  o_peak=$(median peak_rss_above_base_mib <<<"$ort")
  n_cpu=$(median total_cpu_ms <<<"$nuri")
  n_wait=$(median runqueue_wait_ms <<<"$nuri")
  o_cpu=$(median cpu_ms_median <<<"$ort")
  n_load=$(median load_ms <<<"$nuri")
  n_compile=$(median compile_ms <<<"$nuri")
  printf '%-24s %12s %12s %14s %14s %10s   (weights %s MiB; nuri peak %.2fx weights; nuri import %s ms, compile %s ms; cpu ms nuri %s, ort %s; nuri waiting for a core %s ms)\n' \
    "$(basename "$m")" "$n_ms" "$o_ms" "$(/usr/bin/python3 -c "print(f'{$n_ms/$o_ms:.2f}')")" \
    "$n_peak" "$o_peak" "$weights" "$(/usr/bin/python3 -c "print($n_peak/$weights)")" \
    "$n_load" "$n_compile" "$n_cpu" "$o_cpu" "$n_wait"
done
b=$(for _ in $(seq "$RUNS"); do "$BENCH" builtin gpt2-small; done)
echo "built-in gpt2-small: weights $(median weights_ms <<<"$b") ms (cpu $(median weights_cpu_ms <<<"$b") ms)," \
  "cpu compile $(median compile_ms <<<"$b") ms (cpu $(median compile_cpu_ms <<<"$b") ms)," \
  "peak $(median peak_over_weights <<<"$b")x weights; medians of $RUNS"
