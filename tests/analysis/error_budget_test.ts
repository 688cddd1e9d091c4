/**
 * The error budget of σ: each contribution from its source (the fit's
 * error, the wire's d/4, the IOPS channels' difference, the spacing's
 * h/√12), the floor their quadrature sum, and a σ below it flagged.
 */
import { errorBudget } from "../../lib/analysis/error_budget.ts";
import { fitPoints, profileOf } from "../../lib/analysis/profile.ts";
import { makeScan } from "../hdf5/fixtures.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";

Deno.test("error budget: the contributions, the floor, the flag", () => {
  const scan = makeScan(1, { steps: 41, samples: 8 });
  // ch2 reads ch1 with a known Gaussian-free noise: alternate ±0.004 mm
  const ch1 = scan.iops.ch1.data;
  scan.iops.ch2.data = ch1.map((v, i) => v + 0.01 + (i % 2 ? 0.004 : -0.004));
  const profile = profileOf(scan, "PDB", "ch1");
  const fit = fitPoints(profile);
  const b = errorBudget(scan, profile, fit, { iops: "ch1", diameter: 0.1 });
  assertEquals(b.statistical, fit.sigmaErr);
  assertEquals(b.wire, 0.025);
  // the difference alternates ±0.004 around 0.01: std 0.004 (n large), /√2
  // per sample, /√8 for a step's mean of 8 samples
  const n = 41 * 8;
  const std = 0.004 * Math.sqrt(n / (n - 1));
  assertAlmostEquals(b.readout, std / Math.SQRT2 / Math.sqrt(8), 1e-9);
  // 41 steps over 10 mm: h ≈ 0.25
  assertAlmostEquals(b.sampling, 0.25 / Math.sqrt(12), 2e-3);
  assertAlmostEquals(b.pointsPerSigma, fit.sigma / 0.25, 0.05);
  assertAlmostEquals(
    b.floor,
    Math.hypot(b.statistical, b.wire, b.readout, b.sampling),
    1e-12,
  );
  assertEquals(b.belowFloor, false);
  // a fork's wire at beam = −2 × stage: its readout noise in beam units
  const wire = errorBudget(scan, profile, fit, {
    iops: "ch1",
    diameter: 0.1,
    scale: -2,
  });
  assertAlmostEquals(wire.readout, 2 * b.readout, 1e-15);
  assertEquals([wire.wire, wire.sampling], [b.wire, b.sampling]);
  // a σ narrower than the wire is flagged
  const narrow = errorBudget(scan, profile, { sigma: 0.02, sigmaErr: 0.001 }, {
    iops: "ch1",
    diameter: 0.1,
  });
  assert(narrow.belowFloor && narrow.floor > 0.02, `floor ${narrow.floor}`);
  // one position channel: no readout term
  delete (scan.iops as Record<string, unknown>).ch2;
  const one = errorBudget(scan, profile, fit, { iops: "ch1" });
  assert(Number.isNaN(one.readout));
  assertEquals(one.wire, 0);
  assertAlmostEquals(
    one.floor,
    Math.hypot(one.statistical, one.sampling),
    1e-12,
  );
});

Deno.test("error budget: the sampling term is the same from the bucketed sort as from a full sort", () => {
  const reference = (x: Float64Array) => {
    const xs = Float64Array.from(x).sort();
    const gaps: number[] = [];
    for (let i = 1; i < xs.length; i++) {
      if (xs[i] > xs[i - 1]) gaps.push(xs[i] - xs[i - 1]);
    }
    gaps.sort((a, b) => a - b);
    const k = gaps.length >> 1;
    const h = gaps.length % 2 ? gaps[k] : (gaps[k - 1] + gaps[k]) / 2;
    return h / Math.sqrt(12);
  };
  const scan = makeScan(1, { mode: "fly", steps: 10, samples: 4 });
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const cases = [
    // a noisy stroke (bucketed), uniform scatter, and clustered positions
    // (a wire that stalls: the native sort)
    Float64Array.from(
      { length: 5000 },
      (_, i) => i / 500 + (random() - 0.5) * 0.05,
    ),
    Float64Array.from({ length: 3001 }, () => random() * 10),
    Float64Array.from({ length: 4000 }, () => Math.round(random() * 8) / 4),
  ];
  for (const x of cases) {
    const b = errorBudget(scan, { x }, {
      sigma: 1,
      sigmaErr: 0.01,
    }, { iops: "ch1" });
    assertEquals(b.sampling, reference(x));
  }
});
