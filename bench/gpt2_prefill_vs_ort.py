#!/usr/bin/python3
"""Twelve-layer GPT-2-small prefill (128 tokens, empty cache): Nuri's cpu device against ONNX
Runtime on the same ONNX file, side by side, at each thread count (issue 17 item 4: at most
0.9x ONNX Runtime at 1 and 2 threads).

Nuri runs in this process (the `nuri` Python module, build/python); ONNX Runtime in a Node
worker (bench/ort/prefill_worker.js) that waits on a pipe while Nuri runs. Rounds alternate
which side goes first; each side runs `--reps` prefills per round after a pause that lets the
other side's spinning worker threads go idle. Reports medians per side and the median of the
per-round ratios, with the machine load.

--spin no (the default) tells both runtimes' idle worker threads to block instead of spinning:
Nuri's OpenMP team (OMP_WAIT_POLICY=passive, set before the module loads libgomp) and ONNX
Runtime's pool (session.intra_op.allow_spinning=0). On a machine other jobs keep busy, spinning
threads burn the time slices their team mates need: 2-thread runs then take several times
longer, Nuri's more than ONNX Runtime's. --spin yes leaves both at their defaults.

The model and reference tensors come from /work/shared/ort-baseline's export_onnx.py
(--layers 12), onnxruntime-node from `npm install onnxruntime-node` (scripts/bench_ort.sh).
  PYTHONPATH=build/python /usr/bin/python3 bench/gpt2_prefill_vs_ort.py \
      --model /work/ortb/gpt2_block_L12.onnx --refdir /work/ortb --node-modules /work/ortnode/node_modules
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

nuri = None  # imported in main(), after OMP_WAIT_POLICY is settled


def load_bin(refdir, entry):
    n = int(np.prod(entry["shape"]))
    data = np.fromfile(os.path.join(refdir, entry["file"]), dtype=np.float32, count=n)
    return data.reshape(entry["shape"])


def load_avg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class OrtWorker:
    def __init__(self, args, threads):
        worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ort", "prefill_worker.js")
        env = dict(os.environ, NODE_PATH=args.node_modules)
        self.proc = subprocess.Popen(
            ["node", worker, args.model, args.refdir, str(args.layers), str(threads),
             "1" if args.spin == "yes" else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("ONNX Runtime worker failed to start (see its error above)")
        self.info = json.loads(line)

    def run(self, reps):
        self.proc.stdin.write(f"{reps}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.write("0\n")
        self.proc.stdin.close()
        self.proc.wait()


def nuri_run(session, feed, reps):
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        session.run(None, feed)
        ms.append((time.perf_counter() - t0) * 1e3)
    return ms


def compare(args, threads, feed, want):
    ort = OrtWorker(args, threads)
    # Unpinned, as ONNX Runtime's threads are: on a shared machine a pinned thread cannot dodge
    # another job on its core.
    session = nuri.InferenceSession(args.model, ["cpu"], {"cpu": {"pin": 0}}, True, threads)
    y = session.run(["y"], feed)[0]
    err = float(np.abs(y - want).max())
    nuri_run(session, feed, 2)  # warm up both
    ort.run(2)
    nuri_ms, ort_ms, ratios = [], [], []
    for r in range(args.rounds):
        sides = [("nuri", lambda: nuri_run(session, feed, args.reps)), ("ort", lambda: ort.run(args.reps))]
        if r % 2:
            sides.reverse()
        got = {}
        for name, fn in sides:
            time.sleep(args.pause)
            got[name] = fn()
        nuri_ms += got["nuri"]
        ort_ms += got["ort"]
        ratios.append(statistics.median(got["nuri"]) / statistics.median(got["ort"]))
    ort.close()
    return {
        "threads": threads, "nuri_median_ms": statistics.median(nuri_ms), "nuri_min_ms": min(nuri_ms),
        "ort_median_ms": statistics.median(ort_ms), "ort_min_ms": min(ort_ms),
        "ratio_median_of_rounds": statistics.median(ratios), "ratios": ratios,
        "nuri_max_abs_err_y": err, "ort_max_abs_err_y": ort.info["max_abs_err_y"],
        "ort_version": ort.info["version"], "reps": len(nuri_ms), "load_after": load_avg(),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="/work/ortb/gpt2_block_L12.onnx")
    p.add_argument("--refdir", default="/work/ortb")
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--node-modules", default="/work/ortnode/node_modules")
    p.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--reps", type=int, default=5, help="prefills per side per round")
    p.add_argument("--pause", type=float, default=0.2, help="seconds before each side's turn")
    p.add_argument("--target", type=float, default=0.9, help="pass when Nuri / ORT <= this")
    p.add_argument("--spin", choices=["yes", "no"], default="no",
                   help="whether idle worker threads spin (both runtimes alike)")
    p.add_argument("--json", help="write the results here")
    args = p.parse_args()
    if args.spin == "no":
        os.environ["OMP_WAIT_POLICY"] = "passive"
    global nuri
    import nuri as nuri_module
    nuri = nuri_module
    with open(os.path.join(args.refdir, f"ref_L{args.layers}.json")) as f:
        meta = json.load(f)["prefill_s128"]
    feed = {"x": load_bin(args.refdir, meta["x"]), "past": load_bin(args.refdir, meta["past"])}
    want = load_bin(args.refdir, meta["y"])
    print(f"GPT-2-small {args.layers}-layer prefill, 128 tokens, spinning threads: {args.spin}; "
          f"load before: {load_avg()}")
    results = []
    for threads in [int(t) for t in args.threads.split(",")]:
        r = compare(args, threads, feed, want)
        results.append(r)
        ok = r["ratio_median_of_rounds"] <= args.target
        print(f"threads {threads}: nuri {r['nuri_median_ms']:.1f} ms (min {r['nuri_min_ms']:.1f}), "
              f"onnxruntime {r['ort_version']} {r['ort_median_ms']:.1f} ms (min {r['ort_min_ms']:.1f}), "
              f"nuri/ort {r['ratio_median_of_rounds']:.3f} (rounds {', '.join(f'{x:.2f}' for x in r['ratios'])}) "
              f"target <= {args.target}: {'ok' if ok else 'MISS'}; |y - ref| nuri {r['nuri_max_abs_err_y']:.2g} "
              f"ort {r['ort_max_abs_err_y']:.2g}; load {r['load_after']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
