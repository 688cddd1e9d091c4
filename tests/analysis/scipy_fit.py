"""Reference fits with scipy.optimize.curve_fit for the fws analysis tests and
benchmark.

Usage: scipy_fit.py DIR [--serve]

DIR/manifest.json lists the runs:
  {"cases": [{"name", "file", "p0", "weighted", "repeats", "options", "jac",
              "model", "reference"}]}
with options being extra keyword arguments of curve_fit (ftol, xtol, maxfev)
and "jac": true passing the analytic Jacobian (curve_fit's jac, lmfit's
Dfun). "model" is one
of MODELS below (default "gauss"; the same formulas and parameter order as
lib/analysis/models.ts); "reference" is "scipy" (curve_fit, the default) or
"lmfit" (lmfit.Model.fit with method "leastsq", scale_covar=True: the
errors scaled by the reduced chi-square as curve_fit's; options ftol, xtol
go to leastsq, maxfev becomes lmfit's max_nfev). A double Gaussian's core
and halo are ordered so the core is the narrower, widths made positive. Each data file set is
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


def gauss_linear(x, a, mu, s, c, b):
    d = x - mu
    return a * np.exp(-(d * d) / (2 * s * s)) + c + b * d


def super_gauss(x, a, mu, s, p, c):
    return a * np.exp(-((np.abs(x - mu) / (np.sqrt(2) * s)) ** p)) + c


def split_gauss(x, a, mu, sl, sr, c):
    d = x - mu
    s = np.where(d < 0, sl, sr)
    return a * np.exp(-(d * d) / (2 * s * s)) + c


def double_gauss(x, a, mu, s, ah, sh, c):
    d2 = (x - mu) ** 2
    return a * np.exp(-d2 / (2 * s * s)) + ah * np.exp(-d2 / (2 * sh * sh)) + c


def q_gauss(x, a, mu, s, q, c):
    t = (x - mu) ** 2 / (2 * s * s)
    e = q - 1
    if e == 0:
        return a * np.exp(-t) + c
    z = e * t
    inside = z > -1
    shape = np.exp(-np.log1p(np.where(inside, z, 0)) / e)
    return a * np.where(inside, shape, 0) + c


MODELS = {
    "gauss": gauss,
    "gauss_linear": gauss_linear,
    "super_gauss": super_gauss,
    "split_gauss": split_gauss,
    "double_gauss": double_gauss,
    "q_gauss": q_gauss,
}

WIDTHS = {"gauss": [2], "gauss_linear": [2], "split_gauss": [2, 3],
          "double_gauss": [2, 4], "q_gauss": [2], "super_gauss": []}


def normalise(model, popt, perr):
    popt = np.array(popt, dtype=float)
    perr = np.array(perr, dtype=float)
    for k in WIDTHS[model]:
        popt[k] = abs(popt[k])
    if model == "double_gauss" and popt[2] > popt[4]:
        order = [3, 1, 4, 0, 2, 5]
        popt, perr = popt[order], perr[order]
    return popt, perr


def gauss_jac(x, a, mu, s, c):
    d = x - mu
    e = np.exp(-(d * d) / (2 * s * s))
    jm = a * e * d / (s * s)
    return np.stack([e, jm, jm * d / s, np.ones_like(x)], axis=1)


def gauss_linear_jac(x, a, mu, s, c, b):
    d = x - mu
    e = np.exp(-(d * d) / (2 * s * s))
    jm = a * e * d / (s * s)
    return np.stack([e, jm - b, jm * d / s, np.ones_like(x), d], axis=1)


def super_gauss_jac(x, a, mu, s, p, c):
    d = x - mu
    u = np.abs(d) / (np.sqrt(2) * s)
    safe = np.where(u > 0, u, 1)
    t = np.where(u > 0, safe**p, 0)
    e = np.exp(-t)
    aet = a * e * t
    jm = np.where(u > 0, aet * p / np.where(d != 0, d, 1), 0)
    return np.stack([e, jm, aet * p / s, -aet * np.log(safe), np.ones_like(x)], axis=1)


def split_gauss_jac(x, a, mu, sl, sr, c):
    d = x - mu
    left = d < 0
    s = np.where(left, sl, sr)
    e = np.exp(-(d * d) / (2 * s * s))
    jm = a * e * d / (s * s)
    js = jm * d / s
    return np.stack([e, jm, np.where(left, js, 0), np.where(left, 0, js),
                     np.ones_like(x)], axis=1)


def double_gauss_jac(x, a, mu, s, ah, sh, c):
    d = x - mu
    e = np.exp(-(d * d) / (2 * s * s))
    eh = np.exp(-(d * d) / (2 * sh * sh))
    jm = a * e * d / (s * s)
    jmh = ah * eh * d / (sh * sh)
    return np.stack([e, jm + jmh, jm * d / s, eh, jmh * d / sh, np.ones_like(x)], axis=1)


def q_gauss_jac(x, a, mu, s, q, c):
    d = x - mu
    t = d * d / (2 * s * s)
    e = q - 1
    z = e * t
    inside = z > -1
    base = np.where(inside, 1 + z, 1)
    if e == 0:
        shape = np.exp(-t)
        dq = t * t / 2
    else:
        lg = np.log(base)
        shape = np.where(inside, np.exp(-lg / e), 0)
        small = np.abs(z) < 1e-3
        series = t * t * (0.5 - z * (2 / 3 - z * (0.75 - z * 0.8)))
        dq = np.where(small, series, (lg / e - t / base) / e)
    ae = a * shape
    return np.stack([shape, ae * d / (s * s * base), ae * 2 * t / (s * base), ae * dq,
                     np.ones_like(x)], axis=1)


JACS = {
    "gauss": gauss_jac,
    "gauss_linear": gauss_linear_jac,
    "super_gauss": super_gauss_jac,
    "split_gauss": split_gauss_jac,
    "double_gauss": double_gauss_jac,
    "q_gauss": q_gauss_jac,
}


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
        case.setdefault("model", "gauss")
        case.setdefault("reference", "scipy")
        if case.get("jac"):
            options["jac"] = JACS[case["model"]]
        runs[case["name"]] = (case, x, y, sigma, options)
    return runs


def finite(v):
    """JSON has no inf/nan: non-finite numbers become null."""
    v = float(v)
    return v if np.isfinite(v) else None


def fit_once(case, x, y, sigma, options):
    """Seconds, popt, perr and nfev of one fit by the case's reference."""
    model = MODELS[case["model"]]
    p0 = case["p0"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case["reference"] == "lmfit":
            import lmfit

            kws = dict(options)
            max_nfev = kws.pop("maxfev", None)
            jac = kws.pop("jac", None)
            if jac is not None:
                names = lmfit.Model(model).param_names

                def dfun(pars, data, weights, x=None, **_kw):
                    # lmfit's residual is (model − data)·weights
                    j = jac(x, *[pars[n].value for n in names])
                    return j if weights is None else j * weights[:, None]

                kws["Dfun"] = dfun
            m = lmfit.Model(model)
            t0 = time.perf_counter()
            params = m.make_params(**dict(zip(m.param_names, p0)))
            res = m.fit(y, params, x=x, weights=None if sigma is None else 1 / sigma,
                        method="leastsq", max_nfev=max_nfev, fit_kws=kws)
            seconds = time.perf_counter() - t0
            popt = [res.params[n].value for n in m.param_names]
            perr = [np.nan if res.params[n].stderr is None else res.params[n].stderr
                    for n in m.param_names]
            return seconds, popt, perr, res.nfev
        t0 = time.perf_counter()
        popt, pcov, info, _msg, _ier = curve_fit(
            model, x, y, p0=p0, sigma=sigma, full_output=True, **options
        )
        return time.perf_counter() - t0, popt, np.sqrt(np.diag(pcov)), info["nfev"]


def main(directory, serve):
    runs = load(directory)
    if serve:
        print("ready", flush=True)
        for line in sys.stdin:
            case, x, y, sigma, options = runs[line.strip()]
            seconds, _popt, _perr, nfev = fit_once(case, x, y, sigma, options)
            print(repr(seconds), int(nfev), flush=True)
        return
    out = {}
    for name, (case, x, y, sigma, options) in runs.items():
        try:
            times = []
            for _ in range(max(1, int(case.get("repeats", 1)))):
                seconds, popt, perr, nfev = fit_once(case, x, y, sigma, options)
                times.append(seconds)
            r = (y - MODELS[case["model"]](x, *popt)) / (1 if sigma is None else sigma)
            popt, perr = normalise(case["model"], popt, perr)
            out[name] = {
                "popt": [finite(v) for v in popt],
                "perr": [finite(v) for v in perr],
                "chi2Red": finite(np.sum(r * r) / (len(x) - len(popt))),
                "nfev": int(nfev),
                "seconds": float(np.median(times)),
            }
        except Exception as e:  # noqa: BLE001 - reported to the caller
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], "--serve" in sys.argv[2:])
