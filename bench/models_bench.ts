/**
 * Profile-model fit speed: `fitModel` for each model of the registry
 * against scipy's `curve_fit` and lmfit's `Model.fit` (Debian python3-scipy,
 * python3-lmfit) on the same data, measured in the same run, and `fitAuto`
 * (all six models) against curve_fit fitting the Gaussian and the double
 * Gaussian alone. Prints a markdown table against the goals: at N = 1e4
 * ≤ 0.5× curve_fit and ≤ 0.1× lmfit; at N = 1e6 ≤ 1.0× curve_fit; auto
 * ≤ 1.0× curve_fit's two fits.
 *
 * Policy, as in fit_bench.ts: every fit starts from fws's initial guess
 * (`modelStart` of `initialGuess`), handed to the references as `p0` and not
 * charged to them; the fws time is the whole call (checks, guess, fit,
 * covariance); the references are timed inside a long-running python
 * process around the fit alone, with their defaults (finite-difference
 * Jacobian, MINPACK tolerances; lmfit's Model built once, outside the
 * timing); runs are interleaved fws, curve_fit, lmfit after a warm-up (fws
 * first runs until V8 has optimised it, 30 calls at 1e4, its first call
 * reported apart); each time is the median of the repeats. The load
 * average is printed before and after.
 *
 * Run: `deno run -P=test bench/models_bench.ts`
 *
 * @module
 */
import { initialGuess } from "../lib/analysis/initial_guess.ts";
import { fitAuto } from "../lib/analysis/model_choice.ts";
import { MODEL_NAMES } from "../lib/analysis/model_fields.ts";
import { fitModel, modelStart } from "../lib/analysis/model_fit.ts";
import { type ScipyRun, ScipyServer } from "../tests/analysis/scipy_ref.ts";
import { modelProfile } from "./profiles.ts";
import { median, ms, printTable } from "./table.ts";

/**
 * N, timed repeats, whether lmfit is timed at that N, and the fws calls
 * before the interleaved runs: at 1e4, V8 optimises a model's loops only
 * after 10–25 calls (a fit takes 1.5–4× its steady time before), and the
 * daemon, fitting every profile of every scan, runs them optimised; the
 * first call of the process is reported apart.
 */
const SIZES: [number, number, boolean, number][] = [
  [1e4, 15, true, 30],
  [1e6, 3, false, 2],
];
/** Interleaved runs of both before the timed ones. */
const WARMUP = 2;

function ratio(a: number, b: number, goal: number): string {
  const r = a / b;
  return `**${r.toFixed(2)}×**${r <= goal ? "" : " (goal missed)"}`;
}

const load = Deno.loadavg();
const profiles = SIZES.flatMap(([n]) =>
  MODEL_NAMES.map((model) => ({ model, n, data: modelProfile(model, n) }))
);
const runs: ScipyRun[] = [];
for (const { model, n, data: d } of profiles) {
  const g = initialGuess(d.x, d.y);
  if (!g.ok) throw new Error(`bench data has no peak: ${g.message}`);
  const p0 = modelStart(model, g);
  runs.push({ label: `${model}_${n}/scipy`, data: d, p0, model });
  runs.push({
    label: `${model}_${n}/lmfit`,
    data: d,
    p0,
    model,
    reference: "lmfit",
  });
  if (model === "double_gauss") {
    // curve_fit's Gaussian on the same double-Gaussian profile (auto's row)
    const p4 = modelStart("gauss", g);
    runs.push({ label: `auto_${n}/gauss`, data: d, p0: p4, model: "gauss" });
  }
}
const scipy = await ScipyServer.start(runs);
const rows: string[] = [];
try {
  for (const [n, repeats, withLmfit, jitWarmup] of SIZES) {
    for (const model of MODEL_NAMES) {
      const d = profiles.find((p) => p.model === model && p.n === n)!.data;
      const fws: number[] = [], sp: number[] = [], lm: number[] = [];
      const first = performance.now();
      let fit = fitModel(d.x, d.y, { model });
      const firstCall = (performance.now() - first) / 1e3;
      for (let k = 1; k < jitWarmup; k++) fitModel(d.x, d.y, { model });
      let nfev = 0;
      for (let k = -WARMUP; k < repeats; k++) {
        const t0 = performance.now();
        fit = fitModel(d.x, d.y, { model });
        const t = (performance.now() - t0) / 1e3;
        const a = await scipy.time(`${model}_${n}/scipy`);
        nfev = a.nfev;
        const b = withLmfit
          ? (await scipy.time(`${model}_${n}/lmfit`)).seconds
          : NaN;
        if (k < 0) continue;
        fws.push(t);
        sp.push(a.seconds);
        lm.push(b);
      }
      if (!fit.ok) throw new Error(`${model} N=${n}: ${fit.message}`);
      const [f, s, l] = [median(fws), median(sp), median(lm)];
      rows.push(
        `| ${model} | ${n.toExponential(0).replace("e+", "e")} | ${ms(f)} | ${
          ms(firstCall)
        } | ${ms(s)} | ${ratio(f, s, n <= 1e4 ? 0.5 : 1)} | ${
          withLmfit ? `${ms(l)} | ${ratio(f, l, 0.1)}` : "– | –"
        } | ${fit.nEvaluations} | ${nfev} |`,
      );
    }
    const d = profiles.find((p) => p.model === "double_gauss" && p.n === n)!
      .data;
    const fws: number[] = [], two: number[] = [];
    const first = performance.now();
    let auto = fitAuto(d.x, d.y);
    const firstCall = (performance.now() - first) / 1e3;
    for (let k = 1; k < jitWarmup; k++) fitAuto(d.x, d.y);
    for (let k = -WARMUP; k < repeats; k++) {
      const t0 = performance.now();
      auto = fitAuto(d.x, d.y);
      const t = (performance.now() - t0) / 1e3;
      const a = await scipy.time(`auto_${n}/gauss`);
      const b = await scipy.time(`double_gauss_${n}/scipy`);
      if (k < 0) continue;
      fws.push(t);
      two.push(a.seconds + b.seconds);
    }
    if (auto.chosen !== "double_gauss") {
      throw new Error(`auto N=${n} chose ${auto.chosen}: ${auto.message}`);
    }
    const [f, s] = [median(fws), median(two)];
    const evaluations = MODEL_NAMES.reduce(
      (sum, m) => sum + auto.fits[m].nEvaluations,
      0,
    );
    rows.push(
      `| auto (all six) vs curve_fit gauss + double | ${
        n.toExponential(0).replace("e+", "e")
      } | ${ms(f)} | ${ms(firstCall)} | ${ms(s)} | ${
        ratio(f, s, 1)
      } | – | – | ${evaluations} | – |`,
    );
  }
} finally {
  await scipy.close();
}
printTable(
  "model | N | fws [ms] | fws, first call [ms] | curve_fit [ms] | fws/curve_fit (goal ≤ 0.5× at 1e4, ≤ 1.0× at 1e6) | lmfit [ms] | fws/lmfit (goal ≤ 0.1×) | fws evaluations | curve_fit nfev",
  rows,
  `Median of ${SIZES.map(([n, r]) => `${r} (N=${n})`).join(", ")} ` +
    `interleaved runs after ${WARMUP} warm-up runs, fws's after ${
      SIZES.map(([n, , , w]) => `${w} (N=${n})`).join(", ")
    } calls in all; all from fws's initial ` +
    "guess; the references timed inside python around the fit only. " +
    `Load average before ${load.map((l) => l.toFixed(2)).join(" ")}, after ${
      Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
    } (2 cores, shared).`,
);
