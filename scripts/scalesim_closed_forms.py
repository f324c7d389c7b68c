#!/usr/bin/python3
"""Checks the SCALE-Sim v2 closed forms that Nuri's "compat": "scale-sim" mode implements
(simulator/npu/README.md) against SCALE-Sim's own compute classes.

Usage: scripts/scalesim_closed_forms.py PATH/TO/scale-sim-v2   (a checkout; nothing is copied)

For each dataflow, array size and GEMM shape of tests/simulator/npu/test_scalesim_compat.cpp it
builds SCALE-Sim's operand matrices, asks systolic_compute_{os,ws,is} for the ofmap demand
matrix and takes its stall-free total (index of the last demand line, as
double_buffered_scratchpad_mem reports with an ideal memory), and compares with
  OS: ceil(M/R) ceil(N/C) (K + R + C - 2) - 1
  WS: ceil(K/R) ceil(N/C) (2R + C + M - 2) - 1
  IS: ceil(K/R) ceil(M/C) (2R + C + N - 2) - 1
Needs numpy (Debian's python3-numpy). Exit status 1 on any mismatch.
"""
import sys
import types

import numpy as np

if len(sys.argv) != 2:
    sys.exit(__doc__)
sys.path.insert(0, sys.argv[1])
try:
    import tqdm  # noqa: F401  (SCALE-Sim imports it only for progress bars)
except ImportError:
    stub = types.ModuleType("tqdm")

    class _Bar:
        def __init__(self, it=None, **_):
            self.it = it

        def __iter__(self):
            return iter(self.it)

        def update(self, *_):
            pass

        def close(self):
            pass

    stub.tqdm = _Bar
    sys.modules["tqdm"] = stub

from scalesim.compute.systolic_compute_is import systolic_compute_is  # noqa: E402
from scalesim.compute.systolic_compute_os import systolic_compute_os  # noqa: E402
from scalesim.compute.systolic_compute_ws import systolic_compute_ws  # noqa: E402


class ArrayOnly:
    """The one part of scale_config the compute classes read."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols

    def get_array_dims(self):
        return self.rows, self.cols


def ceil_div(a, b):
    return -(-a // b)


def closed_form(df, r, c, m, n, k):
    if df == "os":
        return ceil_div(m, r) * ceil_div(n, c) * (k + r + c - 2) - 1
    if df == "ws":
        return ceil_div(k, r) * ceil_div(n, c) * (2 * r + c + m - 2) - 1
    return ceil_div(k, r) * ceil_div(m, c) * (2 * r + c + n - 2) - 1


ARRAYS = [(4, 4), (8, 4), (4, 8), (16, 16), (32, 8)]
SHAPES = [(1, 1, 1), (7, 5, 3), (16, 16, 16), (33, 17, 9), (64, 48, 80), (100, 30, 70),
          (1, 256, 64), (128, 8, 200)]
CLASSES = {"os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}

bad = cases = 0
for r, c in ARRAYS:
    for m, n, k in SHAPES:
        # Distinct addresses per operand, as SCALE-Sim's operand_matrix makes them (-1 = none).
        ifmap = np.arange(m * k).reshape(m, k)
        filt = np.arange(k * n).reshape(k, n) + 10**7
        ofmap = np.arange(m * n).reshape(m, n) + 2 * 10**7
        for df, cls in CLASSES.items():
            unit = cls()
            unit.set_params(config_obj=ArrayOnly(r, c), ifmap_op_mat=ifmap, filter_op_mat=filt,
                            ofmap_op_mat=ofmap)
            _, _, ofmap_demand = unit.get_demand_matrices()
            got, want = ofmap_demand.shape[0] - 1, closed_form(df, r, c, m, n, k)
            cases += 1
            if got != want:
                bad += 1
                print(f"MISMATCH {df} {r}x{c} M={m} N={n} K={k}: scale-sim {got}, closed form {want}")
print(f"{cases} cases, {bad} mismatches")
sys.exit(1 if bad else 0)
