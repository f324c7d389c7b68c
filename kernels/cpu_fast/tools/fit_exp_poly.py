#!/usr/bin/python3
"""Fits the degree-5 polynomial of the cpu kernels' exp (vexp in impl/ops_impl.inc).

e^r = 1 + r + r^2 q(r) for r in [-ln2/2, ln2/2] (after x = n ln2 + r), q of degree 3, fitted for
relative error in e^r by least squares reweighted toward minimax (Lawson). Prints the float
coefficients c2..c5 and the relative error measured on a dense grid with the kernel's float
arithmetic (one rounding per fused multiply-add).
Run: /usr/bin/python3 kernels/cpu_fast/tools/fit_exp_poly.py (Debian's python3-numpy).
"""
import numpy as np


def main():
    half = np.log(2.0) / 2
    nodes = 400
    r = half * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    g = (np.exp(r) - 1 - r) / r**2
    weight = r**2 / np.exp(r)  # an error in q, relative to e^r
    basis = np.vstack([r**k for k in range(4)]).T
    lawson = np.ones(nodes)
    for _ in range(200):
        w = weight * np.sqrt(lawson)
        c, *_ = np.linalg.lstsq(basis * w[:, None], g * w, rcond=None)
        lawson *= np.abs((basis @ c - g) * weight)
        lawson /= lawson.sum()
    c32 = c.astype(np.float32)
    grid = np.linspace(-half, half, 200001).astype(np.float32).astype(np.float64)

    def fma(a, b, d):
        return (a * b + d).astype(np.float32).astype(np.float64)

    q = np.full_like(grid, float(c32[3]))
    for k in (2, 1, 0):
        q = fma(q, grid, float(c32[k]))
    y = fma(fma(q, grid, 1.0), grid, 1.0)
    rel = np.abs(y / np.exp(grid) - 1).max()
    print("c2..c5:", ", ".join(f"{float(x):.9g}f" for x in c32))
    print(f"max relative error {rel:.3g} ({rel / 2**-24:.2f} x 2^-24)")


if __name__ == "__main__":
    main()
