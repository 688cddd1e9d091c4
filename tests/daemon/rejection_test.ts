/**
 * Point rejection in the daemon, against the simulated IOC: with a
 * saturation level below the beam's peak, the steps that reach it are left
 * out of the fit, counted on FIT:<CH>:REJ_SAT and FIT:<CH>:REJECTED, and
 * the counts are those `rejectPoints` finds again in the file's untouched
 * raw data, and the file keeps the mask with a code per step (h5py reads
 * it); the map file's `rejection` is checked key by key.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { rejectPoints } from "../../lib/analysis/rejection.ts";
import { fitPoints } from "../../lib/analysis/profile.ts";
import { parsePvMap } from "../../lib/pvmap/mod.ts";
import type { RejectionPvField } from "../../lib/pvmap/logical_names.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
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
    // the file keeps the mask and the counts, h5py reads them
    const stored = scan.rejections!.PDB;
    assertEquals([...stored.mask], [...again.rejection.mask]);
    assertEquals(stored.counts, again.rejection.counts);
    assertEquals(stored.options, options);
    assertEquals(scan.rejections!.PDT.counts.saturated, 0);
    // fws inspect: the counts per reason, text and --json
    const run = await readScanFile(r.file);
    const report = inspectReport(r.file, run);
    assertEquals(report.rejection!.PDB.scans[0].counts.saturated, saturated);
    assertEquals(report.rejection!.PDB.options, { saturation: 0.9 });
    const text = formatReport(report);
    assert(
      new RegExp(
        `points left out of the fit PDB \\(saturation 0\\.9\\)[\\s\\S]*scan_001 +41 +0 +${saturated} +0 +0 +no`,
      ).test(text),
      text,
    );
    if (!missingReference("h5py")) {
      const out = await new Deno.Command(SYSTEM_PYTHON, {
        args: [
          "-c",
          `import h5py, sys, json
f = h5py.File(sys.argv[1], "r")
g = f["/scan_001/fit/PDB/rejection"]
m = g["mask"]
print(json.dumps([str(m.dtype), list(map(int, m[()])), int(g["n_saturated"][()]), m.attrs["codes"], float(g.attrs["saturation"])]))`,
          r.file,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      const [dtype, mask, n, codes, level] = JSON.parse(
        new TextDecoder().decode(out.stdout),
      );
      assertEquals(dtype, "int32");
      assertEquals(mask, [...again.rejection.mask]);
      assertEquals(n, saturated);
      assertEquals(level, 0.9);
      assert(
        /^0 kept; 1 nan .*; 2 saturated .*; 3 low_beam .*; 4 outlier /.test(
          codes,
        ),
        codes,
      );
    }
  } finally {
    await rig.close();
  }
});
