"""Reference fits with scipy.optimize.curve_fit for the fws analysis tests and
benchmark.

Usage: scipy_fit.py DIR [--serve]

DIR/manifest.json lists the runs:
  {"cases": [{"name", "file", "p0", "weighted", "repeats", "options", "jac"}]}
with options being extra keyword arguments of curve_fit (ftol, xtol, maxfev)
and "jac": true passing the analytic Jacobian. Each data file set is
DIR/<file>.x.f64, .y.f64 and, when weighted, .w.f64 (little-endian float64;
weights w = 1/sigma**2, so curve_fit gets sigma = 1/sqrt(w)).

Without --serve: prints one JSON object, name -> {popt, perr, chi2Red, nfev,
seconds} or {error}; a non-finite number is null. curve_fit runs with its defaults (method "lm",
finite-difference Jacobian, absolute_sigma=False) from the given p0;
"seconds" is the median wall time of `repeats` calls of curve_fit alone
(file reading excluded).

With --serve: loads everything, prints "ready", then for every line NAME on
stdin runs that case's curve_fit once and prints its wall time in seconds
and its nfev (so a benchmark can interleave scipy and fws runs under the same load).
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


def gauss_jac(x, a, mu, s, c):
    d = x - mu
    e = np.exp(-(d * d) / (2 * s * s))
    jm = a * e * d / (s * s)
    return np.stack([e, jm, jm * d / s, np.ones_like(x)], axis=1)


def load(directory):
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    runs = {}
    for case in manifest["cases"]:
        base = os.path.join(directory, case["file"])
        x = np.fromfile(base + ".x.f64", dtype="<f8")
        y = np.fromfile(base + ".y.f64", dtype="<f8")
        sigma = None
        if case.get("weighted"):
            sigma = 1 / np.sqrt(np.fromfile(base + ".w.f64", dtype="<f8"))
        options = dict(case.get("options", {}))
        if case.get("jac"):
            options["jac"] = gauss_jac
        runs[case["name"]] = (case, x, y, sigma, options)
    return runs


def finite(v):
    """JSON has no inf/nan: non-finite numbers become null."""
    v = float(v)
    return v if np.isfinite(v) else None


def fit_once(x, y, sigma, p0, options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        popt, pcov, info, _msg, _ier = curve_fit(
            gauss, x, y, p0=p0, sigma=sigma, full_output=True, **options
        )
        return time.perf_counter() - t0, popt, pcov, info


def main(directory, serve):
    runs = load(directory)
    if serve:
        print("ready", flush=True)
        for line in sys.stdin:
            case, x, y, sigma, options = runs[line.strip()]
            seconds, _popt, _pcov, info = fit_once(x, y, sigma, case["p0"], options)
            print(repr(seconds), int(info["nfev"]), flush=True)
        return
    out = {}
    for name, (case, x, y, sigma, options) in runs.items():
        try:
            times = []
            for _ in range(max(1, int(case.get("repeats", 1)))):
                seconds, popt, pcov, info = fit_once(x, y, sigma, case["p0"], options)
                times.append(seconds)
            r = (y - gauss(x, *popt)) / (1 if sigma is None else sigma)
            out[name] = {
                "popt": [finite(v) for v in popt],
                "perr": [finite(v) for v in np.sqrt(np.diag(pcov))],
                "chi2Red": finite(np.sum(r * r) / (len(x) - len(popt))),
                "nfev": int(info["nfev"]),
                "seconds": float(np.median(times)),
            }
        except Exception as e:  # noqa: BLE001 - reported to the caller
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], "--serve" in sys.argv[2:])
