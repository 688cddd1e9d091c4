/**
 * fitGaussian against scipy.optimize.curve_fit (Debian python3-scipy) on the
 * same data, over the table of cases in fit_cases.ts, and against the npm
 * ml-levenberg-marquardt on the small cases.
 *
 * The parameter reference is curve_fit converged tightly (ftol = xtol =
 * 1e-14) from the same starting point: curve_fit's default tolerances bound
 * the change of χ², which leaves its answer up to ~3e-6 of a standard error
 * from the minimum (measured on this table), while fitGaussian polishes its
 * result to ~1e-10. curve_fit with its defaults is checked too, at 1e-4.
 * "Relative" is |ours − ref| / max(|ref|, σ_ref), so a parameter near zero
 * is judged on the scale of its own standard error.
 */
import { levenbergMarquardt } from "ml-levenberg-marquardt";
import { fitGaussian, initialGuess } from "../../lib/analysis/mod.ts";
import type { GaussFit } from "../../lib/scan/model.ts";
import { assert, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { CASES, type FitCase, makeCase, randomSpecs } from "./fit_cases.ts";
import { runScipy } from "./scipy_ref.ts";

const KEYS = ["amplitude", "center", "sigma", "offset"] as const;
const ERR_KEYS = [
  "amplitudeErr",
  "centerErr",
  "sigmaErr",
  "offsetErr",
] as const;

function params(f: GaussFit): number[] {
  return KEYS.map((k) => f[k]);
}

function errors(f: GaussFit): number[] {
  return ERR_KEYS.map((k) => f[k]);
}

/** Largest |a − b| / max(|b|, scale) over the four parameters. */
function maxRelative(a: number[], b: number[], scale: number[]): number {
  return Math.max(
    ...a.map((v, i) => Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), scale[i])),
  );
}

function start(data: FitCase): number[] {
  const g = initialGuess(data.x, data.y);
  if (!g.ok) {
    throw new Error(`${data.spec.name}: no initial guess: ${g.message}`);
  }
  return [g.amplitude, g.center, g.sigma, g.offset];
}

Deno.test({
  name: "fitGaussian agrees with scipy curve_fit over the case table",
  ignore: missingReference("scipy"),
  async fn(t) {
    const cases = CASES.map(makeCase);
    const runs = cases.flatMap((data) => {
      const p0 = start(data);
      return [
        {
          label: `${data.spec.name}/tight`,
          data,
          p0,
          options: { ftol: 1e-14, xtol: 1e-14, maxfev: 100000 },
        },
        { label: `${data.spec.name}/default`, data, p0 },
      ];
    });
    const ref = await runScipy(runs);
    for (const data of cases) {
      const name = data.spec.name;
      await t.step(name, () => {
        const fit = fitGaussian(data.x, data.y, { weights: data.weights });
        const tight = ref[`${name}/tight`];
        const loose = ref[`${name}/default`];
        assert(tight.popt && tight.perr, `${name}: curve_fit: ${tight.error}`);
        assert(loose.popt && loose.perr, `${name}: curve_fit: ${loose.error}`);
        if (data.spec.insignificant) {
          assert(!fit.ok, `${name}: expected no significant peak`);
          assert(/no significant peak/.test(fit.message), fit.message);
          assert(
            tight.popt[0] < 5 * tight.perr[0],
            `${name}: curve_fit's amplitude is significant after all`,
          );
          return;
        }
        assert(fit.ok, `${name}: ${fit.message}`);
        assert(fit.nPoints === data.spec.n, `${name}: nPoints ${fit.nPoints}`);
        const p = maxRelative(params(fit), tight.popt, tight.perr);
        assert(
          p <= 1e-6,
          `${name}: parameters ${params(fit)} vs curve_fit ${tight.popt}: ${p}`,
        );
        const e = Math.max(
          ...errors(fit).map((v, i) =>
            Math.abs(v - tight.perr![i]) / tight.perr![i]
          ),
        );
        assert(
          e <= 0.01,
          `${name}: errors ${errors(fit)} vs curve_fit ${tight.perr}: ${e}`,
        );
        // curve_fit's Σ(r/σ)²/(n−4): our reduced χ² when weighted, else the
        // square of our residual RMS (and no χ² is claimed)
        const ours = data.weights ? fit.chi2Red : fit.residualRms ** 2;
        const c = Math.abs(ours - tight.chi2Red!) / tight.chi2Red!;
        assert(c <= 1e-6, `${name}: ${ours} vs curve_fit's ${tight.chi2Red}`);
        assert(
          data.weights ? fit.weighting !== "none" : Number.isNaN(fit.chi2Red),
          `${name}: chi2Red ${fit.chi2Red}, weighting ${fit.weighting}`,
        );
        const d = maxRelative(params(fit), loose.popt, loose.perr);
        assert(d <= 1e-4, `${name}: vs default curve_fit ${loose.popt}: ${d}`);
        assert(Number.isFinite(fit.rms) && Number.isFinite(fit.centroid));
        assert(fit.rSquared > 0 && fit.rSquared <= 1, `r² ${fit.rSquared}`);
      });
    }
  },
});

Deno.test("fitGaussian agrees with ml-levenberg-marquardt on small cases", () => {
  const small = CASES.filter((c) =>
    c.n <= 300 && !c.weighted && !c.insignificant
  ).map(makeCase);
  assert(small.length >= 8, "too few small cases");
  for (const data of small) {
    const fit = fitGaussian(data.x, data.y);
    assert(fit.ok, `${data.spec.name}: ${fit.message}`);
    const other = levenbergMarquardt(
      { x: data.x, y: data.y },
      ([a, m, s, c]) => (x) => a * Math.exp(-((x - m) ** 2) / (2 * s * s)) + c,
      {
        initialValues: start(data),
        maxIterations: 300,
        errorTolerance: 0,
        jacobianFunction: ([a, m, s]) => (x) => {
          const d = x - m;
          const e = Math.exp(-d * d / (2 * s * s));
          return [e, a * e * d / (s * s), a * e * d * d / (s * s * s), 1];
        },
      },
    );
    const r = maxRelative(params(fit), other.parameterValues, errors(fit));
    assert(
      r <= 1e-6,
      `${data.spec.name}: ${
        params(fit)
      } vs ml-levenberg-marquardt ${other.parameterValues}: ${r}`,
    );
  }
});

Deno.test({
  name:
    "fitGaussian finds curve_fit's minimum (started from the truth) on 240 random profiles, or refuses where curve_fit's amplitude is insignificant too",
  ignore: missingReference("scipy"),
  async fn() {
    const cases = randomSpecs(240, 99).map(makeCase);
    const ref = await runScipy(cases.map((data) => {
      const t = data.spec.truth;
      return {
        data,
        p0: [t.amplitude, t.center, t.sigma, t.offset],
        options: { ftol: 1e-14, xtol: 1e-14, maxfev: 100000 },
      };
    }));
    let refused = 0;
    for (const data of cases) {
      const name = data.spec.name;
      const fit = fitGaussian(data.x, data.y);
      const r = ref[name];
      assert(r.popt && r.perr, `${name}: curve_fit: ${r.error}`);
      if (!fit.ok) {
        refused++;
        assertMatch(fit.message, /no significant peak/);
        assert(
          !(r.popt[0] >= 5 * r.perr[0]),
          `${name}: refused (${fit.message}) but curve_fit has A=${
            r.popt[0]
          } ± ${r.perr[0]}`,
        );
        continue;
      }
      const p = maxRelative(params(fit), r.popt, r.perr);
      assert(p <= 1e-6, `${name}: ${params(fit)} vs ${r.popt}: ${p}`);
    }
    assert(refused <= 10, `${refused} of 240 refused`);
  },
});
