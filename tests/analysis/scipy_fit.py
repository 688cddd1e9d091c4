"""Reference fits with scipy.optimize.curve_fit for the fws analysis tests and
benchmark. Usage: scipy_fit.py DIR. DIR/manifest.json lists the runs
({"cases": [{"name", "file", "p0", "weighted", "repeats", "options"}]},
options being extra keyword arguments of curve_fit such as ftol); each data set has
DIR/<file>.x.f64, .y.f64 and, when weighted, .w.f64 (little-endian float64;
weights w = 1/sigma**2). Prints one JSON object: name -> {popt, perr, nfev,
chi2Red, seconds} or {error}. curve_fit runs with its defaults (method "lm", numerical
Jacobian, absolute_sigma=False) from the given p0; "seconds" is the median
wall time of `repeats` calls of curve_fit alone (file reading excluded).
"""
import json
import os
import sys
import time
import warnings

import numpy as np
from scipy.optimize import curve_fit


def gauss(x, a, mu, s, c):
    return a * np.exp(-((x - mu) ** 2) / (2 * s * s)) + c


def main(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    out = {}
    for case in manifest["cases"]:
        name = case["name"]
        base = os.path.join(directory, case["file"])
        x = np.fromfile(base + ".x.f64", dtype="<f8")
        y = np.fromfile(base + ".y.f64", dtype="<f8")
        sigma = None
        if case.get("weighted"):
            sigma = 1 / np.sqrt(np.fromfile(base + ".w.f64", dtype="<f8"))
        p0 = case["p0"]
        repeats = max(1, int(case.get("repeats", 1)))
        try:
            times = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    popt, pcov, info, _msg, _ier = curve_fit(
                        gauss, x, y, p0=p0, sigma=sigma, full_output=True,
                        **case.get("options", {})
                    )
                    times.append(time.perf_counter() - t0)
            r = (y - gauss(x, *popt)) / (1 if sigma is None else sigma)
            out[name] = {
                "chi2Red": float(np.sum(r * r) / (len(x) - len(popt))),
                "popt": [float(v) for v in popt],
                "perr": [float(v) for v in np.sqrt(np.diag(pcov))],
                "nfev": int(info["nfev"]),
                "seconds": float(np.median(times)),
            }
        except Exception as e:  # noqa: BLE001 - reported to the caller
            r = (y - gauss(x, *popt)) / (1 if sigma is None else sigma)
            out[name] = {
                "chi2Red": float(np.sum(r * r) / (len(x) - len(popt))),"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
