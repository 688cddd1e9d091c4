/**
 * Point rejection: every reason code exercised on a step scan with one bad
 * step of each kind, the mask and counts exactly those, the fit of the kept
 * points unbiased where the unrejected fit is not; normalisation to the
 * beam reading undoes a beam that drifts; fly samples are masked one by
 * one; a clean profile loses nothing.
 */
import {
  fitPoints,
  profileOf,
  rawProfileOf,
} from "../../lib/analysis/profile.ts";
import {
  applyRejection,
  REJECTION_REASONS,
  rejectionAsked,
  rejectionCode,
  rejectPoints,
} from "../../lib/analysis/rejection.ts";
import { makeScan } from "../hdf5/fixtures.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";

/** A 41-step scan of 8 samples per step with one bad step of each kind. */
function damaged() {
  const scan = makeScan(1, { steps: 41, samples: 8 });
  const pdb = scan.struck.PDB.data;
  const row = (i: number) => pdb.subarray(i * 8, (i + 1) * 8);
  row(3).fill(NaN); // nan
  row(10)[2] = 9.5; // one sample at the ADC's maximum
  scan.beam.current.values[20] = 0.2; // beam nearly off
  row(20).forEach((v, k, a) => a[k] = 0.2 + (v - 0.2) * 0.08);
  row(26).forEach((v, k, a) => a[k] = v + 1.5); // a spike
  return scan;
}

Deno.test("rejection: every reason, the mask and the counts", () => {
  const scan = damaged();
  const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", {
    saturation: 9.5,
    beamFraction: 0.5,
    outlierK: 6,
  });
  const want = new Uint8Array(41);
  want[3] = rejectionCode("nan");
  want[10] = rejectionCode("saturated");
  want[20] = rejectionCode("low_beam");
  want[26] = rejectionCode("outlier");
  assertEquals([...rejection.mask], [...want]);
  assertEquals(rejection.counts, {
    nan: 1,
    saturated: 1,
    low_beam: 1,
    outlier: 1,
  });
  assertEquals(REJECTION_REASONS.map(rejectionCode), [1, 2, 3, 4]);
  assertEquals(profile.x.length, 37);
  assert(/4 of 41 points rejected/.test(profile.points), profile.points);
  // the kept points give the beam's σ (0.8) back; all finite points do not
  const kept = fitPoints(profile);
  const all = fitPoints(profileOf(scan, "PDB", "ch1"));
  assert(
    Math.abs(kept.sigma - 0.8) < 5 * kept.sigmaErr,
    `kept σ ${kept.sigma} ± ${kept.sigmaErr}`,
  );
  assert(
    Math.abs(all.sigma - 0.8) > Math.abs(kept.sigma - 0.8),
    `unrejected σ ${all.sigma} is further from 0.8 than ${kept.sigma}`,
  );
  // the raw data are untouched
  assertEquals(rawProfileOf(scan, "PDB", "ch1").x.length, 41);
  assert(Number.isNaN(scan.struck.PDB.data[3 * 8]));
});

Deno.test("rejection: a clean profile keeps every point; only NaN without options", () => {
  const scan = makeScan(2, { steps: 31, samples: 8 });
  const { rejection, profile } = rejectPoints(scan, "PDB", "ch1", {
    outlierK: 6,
    saturation: 100,
    beamFraction: 0.5,
  });
  assertEquals(rejection.mask.every((m) => m === 0), true);
  assertEquals(profile.x.length, 31);
  const nan = damaged();
  const plain = rejectPoints(nan, "PDB", "ch1", {});
  assertEquals(plain.rejection.counts.nan, 1);
  assertEquals(plain.rejection.counts.outlier, 0);
  assertEquals(plain.profile.x, profileOf(nan, "PDB", "ch1").x);
  assertEquals(rejectionAsked({}), false);
  assertEquals(rejectionAsked({ outlierK: 5 }), true);
});

Deno.test("rejection: normalising to the beam undoes a drifting beam", () => {
  const scan = makeScan(3, { steps: 41, samples: 8 });
  const steady = fitPoints(profileOf(scan, "PDB", "ch1"));
  const beam = scan.beam.current.values;
  const pdb = scan.struck.PDB.data;
  for (let i = 0; i < 41; i++) {
    const f = 0.6 + 0.8 * i / 40; // the beam drifts from 0.6 to 1.4 × nominal
    beam[i] = 2.5 * f;
    for (let k = i * 8; k < (i + 1) * 8; k++) pdb[k] *= f;
  }
  const drifted = fitPoints(profileOf(scan, "PDB", "ch1"));
  const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", {
    normalise: true,
  });
  assertEquals(rejection.normalised, true);
  const fixed = fitPoints(profile);
  // the median beam is the nominal one: the steady fit comes back
  assertAlmostEquals(fixed.sigma, steady.sigma, 1e-9);
  assertAlmostEquals(fixed.center, steady.center, 1e-9);
  assert(Math.abs(drifted.center - steady.center) > 10 * steady.centerErr);
  assert(/normalised to the step's beam reading/.test(profile.points));
});

Deno.test("rejection: fly samples are masked one by one", () => {
  const scan = makeScan(4, { mode: "fly", steps: 200, samples: 8 });
  const pdb = scan.struck.PDB.data;
  pdb[100] = NaN;
  pdb[500] = 7;
  pdb[900] = pdb[900] + 2;
  const { rejection } = rejectPoints(scan, "PDB", "ch1", {
    saturation: 7,
    outlierK: 8,
    normalise: true,
  });
  assertEquals(rejection.mask.length, 1600);
  assertEquals(rejection.mask[100], rejectionCode("nan"));
  assertEquals(rejection.mask[500], rejectionCode("saturated"));
  assertEquals(rejection.mask[900], rejectionCode("outlier"));
  assertEquals(rejection.counts.nan + rejection.counts.saturated, 2);
  // one beam reading per fly repetition: nothing to normalise to
  assertEquals(rejection.normalised, false);
});

Deno.test("rejection: a stored mask gives the fit's profile back, and the points left out", () => {
  const scan = damaged();
  const beam = scan.beam.current.values;
  for (let i = 0; i < 41; i++) if (i !== 20) beam[i] = 2.5 * (1 + i / 80);
  const options = {
    saturation: 9.5,
    beamFraction: 0.5,
    outlierK: 6,
    normalise: true,
  };
  const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", options);
  const again = applyRejection(scan, "PDB", "ch1", rejection);
  assertEquals(again.profile, profile);
  // the NaN step cannot be drawn; the other three can
  assertEquals(again.rejected.x.length, 3);
  const wrong = { ...rejection, mask: rejection.mask.subarray(0, 40) };
  let message = "";
  try {
    applyRejection(scan, "PDB", "ch1", wrong);
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(
    message,
    "the rejection mask of PDB in scan_001 has 40 points; expected one per point of the profile (41)",
  );
});
