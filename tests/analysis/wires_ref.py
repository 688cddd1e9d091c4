"""Independent reference of the multi-wire analysis for tests/analysis:
scipy.optimize.curve_fit of each wire's window and a numpy computation of
the beam ellipse, with errors propagated by numerical derivatives.

Usage: wires_ref.py DIR
DIR/x.f64, DIR/y.f64: the stroke (little-endian float64, stage positions
and signal); DIR/manifest.json: {"wires": [{"name", "angle", "window":
[lo, hi], "scale", "offset", "diameter", "p0": [A, mu, s, c]}]}.
Prints one JSON object: {"wires": [{name, popt, perr, sigma_beam,
sigma_beam_err}], "shape": {sigma_x, sigma_y, sigma_xy, tilt, correlation
and each with _err}}.
"""
import json
import os
import sys

import numpy as np
from scipy.optimize import curve_fit


def gauss(x, a, mu, s, c):
    return a * np.exp(-((x - mu) ** 2) / (2 * s * s)) + c


def shape(params):
    a, b, c = params
    return {
        "sigma_x": np.sqrt(a),
        "sigma_y": np.sqrt(b),
        "sigma_xy": c,
        "tilt": np.degrees(0.5 * np.arctan2(2 * c, a - b)),
        "correlation": c / np.sqrt(a * b),
    }


def main(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    x = np.fromfile(os.path.join(directory, "x.f64"), dtype="<f8")
    y = np.fromfile(os.path.join(directory, "y.f64"), dtype="<f8")
    wires = []
    rows, targets, variances = [], [], []
    for w in manifest["wires"]:
        lo, hi = w["window"]
        mask = (x >= lo) & (x <= hi)
        u = w["scale"] * (x[mask] - w["offset"])
        popt, pcov = curve_fit(gauss, u, y[mask], p0=w["p0"], ftol=1e-14,
                               xtol=1e-14, maxfev=20000)
        perr = np.sqrt(np.diag(pcov))
        s, ds = abs(popt[2]), perr[2]
        r = w["diameter"] / 4
        sb = np.sqrt(s * s - r * r)
        dsb = s / sb * ds
        wires.append({"name": w["name"], "popt": popt.tolist(),
                      "perr": perr.tolist(), "sigma_beam": sb,
                      "sigma_beam_err": dsb})
        th = np.radians(w["angle"])
        rows.append([np.cos(th) ** 2, np.sin(th) ** 2,
                     2 * np.sin(th) * np.cos(th)])
        targets.append(sb * sb)
        variances.append((2 * sb * dsb) ** 2)
    A = np.array(rows)
    W = np.diag(1 / np.array(variances))
    cov = np.linalg.inv(A.T @ W @ A)
    p = cov @ A.T @ W @ np.array(targets)
    values = shape(p)
    out = {k: float(v) for k, v in values.items()}
    # errors: numerical Jacobian of each result, central differences
    for key in values:
        grad = np.zeros(3)
        for i in range(3):
            h = 1e-6 * max(abs(p[i]), 1e-3)
            up, down = p.copy(), p.copy()
            up[i] += h
            down[i] -= h
            grad[i] = (shape(up)[key] - shape(down)[key]) / (2 * h)
        out[key + "_err"] = float(np.sqrt(grad @ cov @ grad))
    print(json.dumps({"wires": wires, "shape": out}))


if __name__ == "__main__":
    main(sys.argv[1])
