"""Independent reference of the multi-wire analysis for tests/analysis:
scipy.optimize.curve_fit of each wire's window and a numpy computation of
the beam ellipse, with errors propagated by numerical derivatives.

Usage: wires_ref.py FILE.h5 SCAN CHANNEL IOPS P0_JSON
Reads the stroke (IOPS position, Struck signal) of /SCAN from the scan file
with h5py, and the wire table from /wires; P0_JSON is {wire: [A, mu, s, c]},
the starting points. Prints one JSON object: {"wires": [{name, popt, perr,
sigma_beam, sigma_beam_err}], "shape": {sigma_x, sigma_y, sigma_xy, tilt,
correlation and each with _err}}.
"""
import json
import sys

import h5py
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


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main(path, scan, channel, iops, p0_json):
    p0 = json.loads(p0_json)
    with h5py.File(path, "r") as f:
        x = f[f"/{scan}/iops/{iops}"][()].astype(float)
        y = f[f"/{scan}/struck/{channel}"][()].astype(float)
        table = f["/wires"]
        order = [text(n) for n in table.attrs["wire_order"]]
        spec = {n: {k: table[n][k][()] for k in table[n].keys()} for n in order}
    wires = []
    rows, targets, variances = [], [], []
    for name in order:
        w = spec[name]
        lo, hi = float(w["window_low"]), float(w["window_high"])
        mask = (x >= lo) & (x <= hi)
        u = float(w["scale"]) * (x[mask] - float(w["offset"]))
        popt, pcov = curve_fit(gauss, u, y[mask], p0=p0[name], ftol=1e-14,
                               xtol=1e-14, maxfev=20000)
        perr = np.sqrt(np.diag(pcov))
        s, ds = abs(popt[2]), perr[2]
        r = float(w["diameter"]) / 4
        sb = np.sqrt(s * s - r * r)
        dsb = s / sb * ds
        wires.append({"name": name, "popt": popt.tolist(),
                      "perr": perr.tolist(), "sigma_beam": sb,
                      "sigma_beam_err": dsb})
        th = np.radians(float(w["angle"]))
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
    main(*sys.argv[1:6])
