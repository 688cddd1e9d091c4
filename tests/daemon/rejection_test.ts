/**
 * Point rejection in the daemon, against the simulated IOC: with a
 * saturation level below the beam's peak, the steps that reach it are left
 * out of the fit, counted on FIT:<CH>:REJ_SAT and FIT:<CH>:REJECTED, and
 * the counts are those `rejectPoints` finds again in the file's untouched
 * raw data; the map file's `rejection` is checked key by key.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { rejectPoints } from "../../lib/analysis/rejection.ts";
import { fitPoints } from "../../lib/analysis/profile.ts";
import { parsePvMap } from "../../lib/pvmap/mod.ts";
import type { RejectionPvField } from "../../lib/pvmap/specs.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { makeRig } from "./rig.ts";

Deno.test("map file: 'rejection' keys and values are checked, naming the key", () => {
  assertEquals(
    parsePvMap(JSON.stringify({
      rejection: {
        normalise: true,
        saturation: 4,
        beam_fraction: 0.5,
        outlier_k: 5,
      },
    })).rejection,
    { normalise: true, saturation: 4, beamFraction: 0.5, outlierK: 5 },
  );
  assertThrows(
    () => parsePvMap('{"rejection": {"outlier_k": -1}}', "map.json"),
    /map\.json: 'rejection\.outlier_k' is -1; expected a number above 0/,
  );
  assertThrows(
    () => parsePvMap('{"rejection": {"beam_fraction": 1.5}}', "map.json"),
    /'rejection\.beam_fraction' is 1\.5; expected a fraction between 0 and 1/,
  );
  assertThrows(
    () => parsePvMap('{"rejection": {"mad": 3}}', "map.json"),
    /unknown key 'rejection\.mad'; expected normalise, saturation, beam_fraction or outlier_k/,
  );
  assertThrows(
    () => parsePvMap('{"rejection": {"normalise": "yes"}}', "map.json"),
    /'rejection\.normalise' is "yes"; expected true or false/,
  );
});

Deno.test("daemon: steps at the saturation level are left out of the fit and counted on the PVs", async () => {
  // the simulated PDB peaks near 1.05 V (amplitude 1, background 0.05)
  const options = { saturation: 0.9 };
  const rig = await makeRig({
    daemon: { pvMap: parsePvMap(JSON.stringify({ rejection: options })) },
  });
  try {
    const r = await rig.request({ mode: "STEP", nSteps: 41, nScans: 1 });
    assertEquals(r.status, "completed", r.message);
    const scan = (await readScanFile(r.file)).scans[0];
    const again = rejectPoints(scan, "PDB", "ch1", options);
    const saturated = again.rejection.counts.saturated;
    assert(saturated >= 2 && saturated < 20, `saturated steps: ${saturated}`);
    const pv = async (field: RejectionPvField, ch = "PDB") =>
      Number((await rig.ca.get(rig.pv(`fit.${ch}.${field}`))).value);
    assertEquals(await pv("rejSaturated"), saturated);
    assertEquals(await pv("rejected"), saturated);
    assertEquals(await pv("rejOutlier"), 0);
    // the file keeps the raw data: every step is there
    assertEquals(scan.struck.PDB.shape[0], 41);
    // the fit is the kept points' fit
    const kept = fitPoints(again.profile);
    assertEquals(scan.fits.PDB.nPoints, 41 - saturated);
    assertEquals(scan.fits.PDB.sigma, kept.sigma);
    // PDT peaks near 0.63 V: nothing reaches 0.9
    assertEquals(await pv("rejected", "PDT"), 0);
  } finally {
    await rig.close();
  }
});
