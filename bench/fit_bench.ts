/**
 * Gaussian fit speed: `fitGaussian` against scipy's `curve_fit` (Debian
 * python3-scipy) on the same data, measured in the same run. Prints a
 * markdown table; the goal is a ratio ≤ 1.0× at every N.
 *
 * Policy, so the comparison is fair to scipy:
 * - both start from the same point: fws's own initial guess, computed once
 *   and handed to curve_fit as `p0` (curve_fit has no guess of its own and
 *   is not charged for one);
 * - the fws time is the whole `fitGaussian` call — input checks, initial
 *   guess, Levenberg–Marquardt, covariance, centroid/RMS;
 * - the scipy time is `curve_fit` alone, timed inside a long-running python
 *   process with `time.perf_counter` (no process start, no file reading),
 *   with its defaults (method "lm", finite-difference Jacobian), and also
 *   with the analytic Jacobian as a second reference;
 * - runs are interleaved (fws, curve_fit, curve_fit+jac, fws, …) after a
 *   warm-up of each, so a busy machine slows all three alike; each time is
 *   the median of the repeats.
 *
 * Run: `deno run -P=test bench/fit_bench.ts`
 *
 * @module
 */
import { fitGaussian, initialGuess } from "../lib/analysis/mod.ts";
import { type CaseSpec, makeCase } from "../tests/analysis/fit_cases.ts";
import { ScipyServer } from "../tests/analysis/scipy_ref.ts";
import { median, ms, printTable } from "./table.ts";

/** N and number of timed repeats. */
const SIZES: [number, number][] = [[100, 201], [1e4, 51], [1e6, 11]];
const WARMUP = 5;

function spec(n: number): CaseSpec {
  return {
    name: `bench_${n}`,
    n,
    truth: { amplitude: 3, center: 0.7, sigma: 1.3, offset: 0.5 },
    xStart: -5,
    xEnd: 5,
    snr: 30,
    seed: 1000 + n,
  };
}

const data = SIZES.map(([n]) => makeCase(spec(n)));
const runs = data.flatMap((d) => {
  const g = initialGuess(d.x, d.y);
  if (!g.ok) throw new Error(`bench data has no peak: ${g.message}`);
  const p0 = [g.amplitude, g.center, g.sigma, g.offset];
  return [
    { label: `${d.spec.name}/fd`, data: d, p0 },
    { label: `${d.spec.name}/jac`, data: d, p0, jac: true },
  ];
});
const scipy = await ScipyServer.start(runs);
const rows: string[] = [];
try {
  for (const [i, d] of data.entries()) {
    const [n, repeats] = SIZES[i];
    const fws: number[] = [], fd: number[] = [], jac: number[] = [];
    let fit = fitGaussian(d.x, d.y);
    let nfev = [0, 0];
    for (let k = -WARMUP; k < repeats; k++) {
      const t0 = performance.now();
      fit = fitGaussian(d.x, d.y);
      const t = (performance.now() - t0) / 1e3;
      const a = await scipy.time(`${d.spec.name}/fd`);
      const b = await scipy.time(`${d.spec.name}/jac`);
      nfev = [a.nfev, b.nfev];
      if (k < 0) continue;
      fws.push(t);
      fd.push(a.seconds);
      jac.push(b.seconds);
    }
    if (!fit.ok) throw new Error(`fit failed at N=${n}: ${fit.message}`);
    const [f, s, j] = [median(fws), median(fd), median(jac)];
    rows.push(
      `| ${n.toExponential(0).replace("e+", "e")} | ${ms(f)} | ${ms(s)} | ` +
        `**${(f / s).toFixed(2)}×** | ${ms(j)} | ${(f / j).toFixed(2)}× | ` +
        `${fit.nEvaluations} | ${nfev[0]} / ${nfev[1]} |`,
    );
  }
} finally {
  await scipy.close();
}
printTable(
  "N | fws fitGaussian [ms] | curve_fit [ms] | ratio fws/curve_fit (goal ≤ 1.0×) | curve_fit + analytic jac [ms] | ratio | fws evaluations | curve_fit nfev (fd / jac)",
  rows,
  `Median of ${SIZES.map(([n, r]) => `${r} (N=${n})`).join(", ")} ` +
    `interleaved runs after ${WARMUP} warm-up runs; both from fws's initial ` +
    "guess; scipy timed inside python around curve_fit only.",
);
